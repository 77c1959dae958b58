"""rangectl built as a wheel and installed outside the checkout still does its job.

Nobody should need the repository to write and check a scenario: the wheel
carries the playbooks, role metadata and image recipes as package data. The
installed copy is run with the site's .pth files ignored, so the checkout's
editable install cannot stand in for it, and from a folder outside the
checkout, with a copy of the flagship scenario.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUN_INSTALLED = (
    "import sys; sys.path[:0] = [sys.argv.pop(1), sys.argv.pop(1)]; "
    "import orchestrator; print('from', orchestrator.__file__, file=sys.stderr); "
    "from orchestrator.cli.main import main; sys.argv[0] = 'rangectl'; main()"
)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("installed")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                            str(root / "wheel"), str(REPO)],
                           capture_output=True, text=True, timeout=600, check=False)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (root / "wheel").glob("rangectl-*.whl")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps",
                           "--target", str(root / "site"), str(wheel)],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return root / "site"


def rangectl(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "RANGECTL_HOME"}
    environment["RANGECTL_STATE_DIR"] = str(cwd / "state")
    # -S: no site module, so no .pth file puts the checkout back on the path.
    return subprocess.run([sys.executable, "-S", "-c", RUN_INSTALLED, str(site),
                           sysconfig.get_paths()["purelib"], *args],
                          cwd=cwd, env=environment, capture_output=True, text=True,
                          timeout=120, check=False)


def test_the_installed_tool_validates_and_plans_the_flagship(installed: Path,
                                                             tmp_path: Path) -> None:
    shutil.copy(REPO / "scenarios" / "arctic-sentinel.yml", tmp_path / "exercise.yml")
    validated = rangectl(installed, tmp_path, "validate", "exercise.yml")
    assert validated.returncode == 0, validated.stderr
    assert f"from {installed}" in validated.stderr  # not the checkout's copy
    assert "ok exercise.yml: scenario 'arctic-sentinel', 2 teams, 6 hosts" in validated.stderr
    planned = rangectl(installed, tmp_path, "plan", "exercise.yml", "-o", "json")
    assert planned.returncode == 0, planned.stderr
    assert '"exercise": "arctic-sentinel"' in planned.stdout


def test_the_installed_tool_carries_its_roles_and_images(installed: Path,
                                                        tmp_path: Path) -> None:
    content = installed / "orchestrator" / "_content"
    listed = rangectl(installed, tmp_path, "roles")
    assert listed.returncode == 0, listed.stderr
    assert "weak_ssh_password (vulnerability: T1110.001, image host)" in listed.stdout
    assert f"found in {content / 'playbooks' / 'roles'}" in listed.stdout.replace("\n", "")
    assert (content / "playbooks" / "site.yml").is_file()
    assert (content / "images" / "base" / "bootstrap.sh").is_file()
    assert (content / "images" / "red" / "rootfs" / "usr" / "share" / "rangectl" / "wordlists"
            / "weak-passwords.txt").is_file()
    # A scenario that names a role the wheel does not carry is refused as from a checkout.
    text = (REPO / "scenarios" / "quickstart.yml").read_text(encoding="utf-8")
    (tmp_path / "typo.yml").write_text(text.replace("[web_portal]", "[web_portl]"),
                                       encoding="utf-8")
    refused = rangectl(installed, tmp_path, "validate", "typo.yml")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "unknown role 'web_portl' (hint: did you mean 'web_portal'?" in refused.stderr
