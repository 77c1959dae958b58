"""Trainee access with the real OpenSSH client: kits, keys, bastions, login records."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest
import websocket

from orchestrator.runtime.docker.backend import DockerBackend
from orchestrator.state import ExerciseState
from tests.browser.chromium import Chromium
from tests.browser.conftest import browser
from tests.conftest import SCENARIOS
from tests.e2e.cli import rangectl, serving
from tests.integration.conftest import deployed, unique_exercise

pytestmark = pytest.mark.docker
__all__ = ["browser"]
SCREEN = "document.getElementById('screen').textContent"


@pytest.fixture(scope="module")
def exercise(backend: DockerBackend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Quickstart, with a named trainee for Ottawa and per-team trainee passwords."""
    text = (SCENARIOS / "quickstart.yml").read_text(encoding="utf-8")
    text = text.replace("timezone: America/Toronto}", "timezone: America/Toronto, "
                        "trainees: [alice]}") + "\naccess: {password: true}\n"
    path = tmp_path_factory.mktemp("access") / "quickstart-access.yml"
    path.write_text(text, encoding="utf-8")
    yield from deployed(backend, path, unique_exercise("access"))


@pytest.fixture(scope="module")
def kits(exercise: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    kits = {}
    for team in ("ottawa", "tallinn"):
        directory = tmp_path_factory.mktemp(f"kit-{team}")
        result = rangectl("access", team, "--out", str(directory), "--exercise", exercise)
        assert result.returncode == 0, result.stderr
        kits[team] = directory
    return kits


def ssh(kit: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ssh", "-F", str(kit / "ssh_config"), "-o", "BatchMode=yes", *args],
                          capture_output=True, text=True, timeout=60, check=False)


def test_kit_reaches_every_host_of_its_team_by_name(kits: dict[str, Path]) -> None:
    for host in ("web", "files", "bastion"):
        result = ssh(kits["ottawa"], host, "hostname")
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == host
    root = ssh(kits["ottawa"], "files", "sudo -n id -u")
    assert root.stdout.strip() == "0"


def test_kit_is_complete_and_its_key_private(kits: dict[str, Path]) -> None:
    kit = kits["tallinn"]
    assert {p.name for p in kit.iterdir()} == {"ssh_config", "id_ed25519", "id_ed25519.pub",
                                               "known_hosts", "README.md", "password"}
    assert (kit / "id_ed25519").stat().st_mode & 0o077 == 0
    assert (kit / "password").stat().st_mode & 0o077 == 0
    assert "StrictHostKeyChecking yes" in (kit / "ssh_config").read_text(encoding="utf-8")
    assert "ssh -F ssh_config" in (kit / "README.md").read_text(encoding="utf-8")


def test_tallinns_key_is_refused_by_ottawas_bastion(exercise: str,
                                                    kits: dict[str, Path]) -> None:
    port = ExerciseState(exercise).load_record().bastion_ports["ottawa"]
    result = ssh(kits["tallinn"], "-o", f"Port={port}", "-o", "StrictHostKeyChecking=no",
                 "-o", "UserKnownHostsFile=/dev/null", "bastion", "true")
    assert result.returncode == 255
    assert "Permission denied (publickey" in result.stderr


def test_nothing_of_tallinn_is_reachable_from_ottawas_bastion(exercise: str,
                                                             kits: dict[str, Path]) -> None:
    plan = ExerciseState(exercise).load_plan()
    assert plan is not None
    targets = " ".join(f"{address}" for host in plan.team("tallinn").hosts
                       for address in host.addresses.values())
    script = (f"for a in {targets}; do nc -z -w 2 $a 22 && echo REACHED $a; done; "
              "echo done")
    result = ssh(kits["ottawa"], "bastion", script)
    assert result.stdout.strip().endswith("done"), result.stderr
    assert "REACHED" not in result.stdout


def test_logins_and_refusals_become_events(exercise: str, kits: dict[str, Path]) -> None:
    assert ssh(kits["tallinn"], "bastion", "true").returncode == 0
    port = ExerciseState(exercise).load_record().bastion_ports["tallinn"]
    ssh(kits["ottawa"], "-o", f"Port={port}", "-o", "StrictHostKeyChecking=no",
        "-o", "UserKnownHostsFile=/dev/null", "bastion", "true")
    result = rangectl("logins", "--exercise", exercise, "--team", "tallinn", "-o", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert any(r["result"] == "logged in" and r["user"] == "blue" for r in rows)
    assert any(r["result"] == "refused" and r["detail"] == "no accepted key" for r in rows)
    again = json.loads(rangectl("logins", "--exercise", exercise, "--team", "tallinn",
                                "-o", "json").stdout)
    assert [r["seq"] for r in again] == [r["seq"] for r in rows], "read twice, recorded once"


def test_connect_refuses_an_unknown_host(exercise: str) -> None:
    result = rangectl("connect", "ottawa", "red", "--exercise", exercise)
    assert result.returncode == 2
    assert "team 'ottawa' has no host 'red' to log into" in result.stderr


def test_named_trainees_and_the_team_password(exercise: str, kits: dict[str, Path]) -> None:
    named = ssh(kits["ottawa"], "-l", "alice", "web", "whoami")
    assert named.stdout.strip() == "alice", named.stderr
    port = ExerciseState(exercise).load_record().bastion_ports["ottawa"]
    password = (kits["ottawa"] / "password").read_text(encoding="utf-8").strip()
    other = (kits["tallinn"] / "password").read_text(encoding="utf-8").strip()
    assert password != other
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect("127.0.0.1", port=port, username="blue", password=password,
                   allow_agent=False, look_for_keys=False, timeout=20)
    client.close()
    with pytest.raises(paramiko.AuthenticationException):
        client.connect("127.0.0.1", port=port, username="blue", password=other,
                       allow_agent=False, look_for_keys=False, timeout=20)


def printed_terminal_url(exercise: str, team: str, kit: Path, port: int) -> str:
    """The browser terminal's URL as `rangectl access` prints it, on `serve`'s port."""
    result = rangectl("access", team, "--out", str(kit), "--exercise", exercise)
    assert result.returncode == 0, result.stderr
    found = re.search(r"browser terminal: (http://127\.0\.0\.1:8800/terminal/\S+)", result.stderr)
    assert found, result.stderr
    return found.group(1).replace(":8800/", f":{port}/")


def test_a_browser_terminal_runs_a_command_on_a_range_host(
        exercise: str, kits: dict[str, Path], browser: Chromium) -> None:
    with serving(None, "--exercise", exercise) as served:
        ottawa = printed_terminal_url(exercise, "ottawa", kits["ottawa"], served.port)
        tallinn = printed_terminal_url(exercise, "tallinn", kits["tallinn"], served.port)
        browser.open(ottawa + "&host=web")
        assert browser.wait_for("document.getElementById('connection').textContent "
                                "=== 'connected to web'", timeout=60)
        assert browser.wait_for(f"{SCREEN}.includes('@web')", timeout=60)  # the prompt
        browser.evaluate("document.getElementById('keys').focus()")
        browser.call("Input.insertText", text="hostname")
        for kind in ("keyDown", "keyUp"):
            browser.call("Input.dispatchKeyEvent", type=kind, key="Enter", code="Enter",
                         windowsVirtualKeyCode=13)
        assert browser.wait_for(f"{SCREEN}.split('\\n').some(line => line.trim() === 'web')",
                                timeout=30), browser.evaluate(SCREEN)
        # Tallinn's token does not open Ottawa's terminal, as a page or as a socket.
        token = tallinn.split("token=", 1)[1]
        wrong = f"http://127.0.0.1:{served.port}/terminal/ottawa?token={token}"
        browser.open(wrong)
        assert "team's token" in browser.evaluate("document.body.textContent")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(wrong, timeout=10)
        assert refused.value.code == 403
        with pytest.raises(websocket.WebSocketBadStatusException) as socket_refused:
            websocket.create_connection(
                f"ws://127.0.0.1:{served.port}/terminal/ottawa/socket?token={token}&host=web",
                origin=f"http://127.0.0.1:{served.port}", timeout=10)
        assert socket_refused.value.status_code == 403
    result = rangectl("logins", "--exercise", exercise, "-o", "json")
    assert result.returncode == 0, result.stderr
    browser_logins = [(r["team"], r["detail"], r["user"]) for r in json.loads(result.stdout)
                      if r["via"] == "browser"]
    assert browser_logins == [("ottawa", "browser terminal on web", "blue")]
