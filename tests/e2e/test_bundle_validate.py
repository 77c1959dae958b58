"""`rangectl validate` on scenario bundles: what a bundle may hold, and what its hosts may ask."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.conftest import SCENARIOS
from tests.e2e.cli import rangectl


def bundle_copy(tmp_path: Path) -> Path:
    root = tmp_path / "grid"
    shutil.copytree(SCENARIOS / "baltic-grid", root)
    return root / "scenario.yml"


def with_image(tmp_path: Path, image: str) -> Path:
    """A copy of the example whose substation names `image` instead of its own."""
    scenario = bundle_copy(tmp_path)
    text = scenario.read_text(encoding="utf-8").replace("image: substation", f"image: {image}")
    scenario.write_text(text, encoding="utf-8")
    return scenario


def test_the_example_bundle_validates_with_its_own_roles_and_image(tmp_path: Path) -> None:
    result = rangectl("validate", str(bundle_copy(tmp_path)))
    assert result.returncode == 0, result.stderr
    listed = rangectl("roles", str(bundle_copy(tmp_path / "again")))
    assert "breaker_control_open (vulnerability: T0855, T0831, from the bundle" in " ".join(
        listed.stdout.split())


def test_a_link_out_of_the_bundle_is_refused(tmp_path: Path) -> None:
    scenario = bundle_copy(tmp_path)
    os.symlink("/etc/shadow", scenario.parent / "files" / "shadow")
    result = rangectl("validate", str(scenario))
    assert result.returncode == 2
    assert "files/shadow: a bundle may not hold symbolic links" in result.stderr


def test_a_foreign_image_takes_no_roles(tmp_path: Path) -> None:
    result = rangectl("validate", str(with_image(tmp_path, "nginx:1.25")))
    assert result.returncode == 2
    assert "image 'nginx:1.25' was not built by rangectl, so it takes no roles" in result.stderr


def test_an_unknown_image_names_where_it_looked(tmp_path: Path) -> None:
    result = rangectl("validate", str(with_image(tmp_path, "substaton")))
    assert result.returncode == 2
    assert "unknown image 'substaton'" in result.stderr
    assert "did you mean 'substation'?" in result.stderr


def test_a_missing_archive_is_named(tmp_path: Path) -> None:
    scenario = bundle_copy(tmp_path)
    text = scenario.read_text(encoding="utf-8").replace(
        "  - name: historian\n    networks", "  - name: historian\n    image: images/hmi.tar\n"
        "    networks").replace(
        "    roles:\n      - name: historian\n        vars: {port: 8080, sensors: [feeder-1, "
        "feeder-2, feeder-3]}\n", "")
    scenario.write_text(text, encoding="utf-8")
    result = rangectl("validate", str(scenario))
    assert result.returncode == 2
    assert "host 'historian': no file " in result.stderr
    assert "grid/images/hmi.tar (hint: make it with: docker save" in result.stderr
