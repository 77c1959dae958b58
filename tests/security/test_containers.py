"""A real quickstart range: every container holds only the privileges its job needs.

Before, every container ran with Docker's fourteen default capabilities (plus
NET_ADMIN, and NET_RAW for red), could gain more through set-id programs, and
wrote anywhere on its root file system: the scorebot, which holds every
team's service passwords, and red, which runs attack tools, as much as the
bastion every trainee logs into. Now each kind of host starts from nothing
(`CapDrop: ALL`) and gets exactly its set, rangectl's own hosts cannot gain
privileges (no-new-privileges), and red and the scorebot run read-only. The
same range still provisions, passes its baseline gate, and attacks.

One range serves every test here; it is removed whatever happens.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from orchestrator.events.store import EventStore
from orchestrator.runtime.docker.backend import DockerBackend
from orchestrator.scorebot import run_checks
from orchestrator.secrets import secrets_path
from orchestrator.state import ExerciseState
from tests.conftest import SCENARIOS
from tests.e2e.cli import rangectl
from tests.integration.conftest import deployed, unique_exercise

pytestmark = pytest.mark.docker

# Linux capability numbers (linux/capability.h), to read /proc/PID/status.
NUMBERS = {"CHOWN": 0, "DAC_OVERRIDE": 1, "DAC_READ_SEARCH": 2, "FOWNER": 3, "FSETID": 4,
           "KILL": 5, "SETGID": 6, "SETUID": 7, "SETPCAP": 8, "NET_BIND_SERVICE": 10,
           "NET_ADMIN": 12, "NET_RAW": 13, "SYS_CHROOT": 18, "SYS_PTRACE": 19,
           "SYS_ADMIN": 21, "MKNOD": 27, "AUDIT_WRITE": 29, "SETFCAP": 31}
SSHD = {"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "SETGID", "SETUID",
        "SYS_CHROOT"}
INTENDED = {
    "bastion": SSHD,
    "scorebot": set(),
    "red": {"NET_ADMIN", "NET_RAW"},
    "web": SSHD | {"FSETID", "NET_ADMIN"},
    "files": SSHD | {"FSETID", "NET_ADMIN"},
}
OWN = ("bastion", "scorebot", "red")


@pytest.fixture(scope="module")
def exercise(backend: DockerBackend) -> Iterator[str]:
    yield from deployed(backend, SCENARIOS / "quickstart.yml", unique_exercise("caps"))


def container(backend: DockerBackend, exercise: str, team: str, host: str) -> dict[str, Any]:
    found = backend.api.containers(filters={"label": [
        f"rangectl.exercise={exercise}", f"rangectl.team={team}", f"rangectl.host={host}"]})
    assert len(found) == 1, (team, host)
    inspected: dict[str, Any] = backend.api.inspect_container(found[0]["Id"])
    return inspected


def decode(mask: str) -> set[str]:
    value = int(mask, 16)
    names = {number: name for name, number in NUMBERS.items()}
    found = {names.get(bit, f"#{bit}") for bit in range(64) if value >> bit & 1}
    return found


def status_field(backend: DockerBackend, exercise: str, host: str, pid: str,
                 field: str) -> str:
    result = backend.exec(exercise, "ottawa", host, ["grep", f"^{field}:", f"/proc/{pid}/status"])
    assert result.exit_code == 0, result.output
    return result.output.split()[-1]


def test_every_container_starts_from_no_capability(backend: DockerBackend,
                                                   exercise: str) -> None:
    for team in ("ottawa", "tallinn"):
        for host, intended in INTENDED.items():
            config = container(backend, exercise, team, host)["HostConfig"]
            assert config["CapDrop"] == ["ALL"], (team, host)
            assert set(config["CapAdd"] or []) == intended, (team, host)
            assert config["Privileged"] is False
            own = host in OWN
            assert ("no-new-privileges:true" in (config["SecurityOpt"] or [])) is own, host
            assert config["ReadonlyRootfs"] is (host in ("red", "scorebot")), host


def test_effective_capabilities_inside_are_exactly_the_intended_ones(
        backend: DockerBackend, exercise: str) -> None:
    for host, intended in INTENDED.items():
        # PID 1 (tini) and what `docker exec` runs (provisioning, checks, attacks).
        for pid in ("1", "self"):
            assert decode(status_field(backend, exercise, host, pid, "CapEff")) == intended, \
                (host, pid)
            assert decode(status_field(backend, exercise, host, pid, "CapBnd")) == intended, \
                (host, pid)
        no_new = status_field(backend, exercise, host, "self", "NoNewPrivs")
        assert no_new == ("1" if host in OWN else "0"), host


def test_red_and_the_scorebot_cannot_write_their_root_file_system(
        backend: DockerBackend, exercise: str) -> None:
    for host in ("red", "scorebot"):
        result = backend.exec(exercise, "ottawa", host, [
            "sh", "-c", "touch /etc/planted 2>&1; echo rc=$?; touch /tmp/scratch && echo tmp"])
        # One stream in order: docker interleaves separate stdout and stderr
        # frames at byte level, which once split "rc=1" mid-line.
        lines = result.output.splitlines()
        assert any(line.endswith("Read-only file system") for line in lines), (host, lines)
        assert "rc=1" in lines
        assert "tmp" in lines, lines
        # Nobody logs into them: no sshd listens (the scorebot checks, red attacks).
        listening = backend.exec(exercise, "ottawa", host, ["ss", "-Htln"])
        assert ":22 " not in listening.output, (host, listening.output)


def test_the_range_still_provisions_passes_its_gate_and_attacks(
        backend: DockerBackend, exercise: str) -> None:
    state = ExerciseState(exercise)
    store = EventStore(state.events_path)
    try:
        kinds = [(event.kind, event.team) for event in store.read("team.")]
    finally:
        store.close()
    for team in ("ottawa", "tallinn"):
        assert ("team.provisioned", team) in kinds
        assert ("team.ready", team) in kinds
    plan = state.load_plan()
    assert plan is not None
    secrets = json.loads(secrets_path(state).read_text(encoding="utf-8"))
    results = run_checks(backend, exercise, plan.team("ottawa"), secrets["ottawa"])
    assert {r.result for r in results} == {"ok"}, results
    files = plan.team("ottawa").host("files").addresses["lan"]
    scan = backend.exec(exercise, "ottawa", "red", ["nmap", "-sS", "-Pn", "-n", "-p", "22",
                                                   files], timeout=60)
    assert "22/tcp open" in scan.output, scan.output  # a raw SYN scan: NET_RAW works
    guess = backend.exec(exercise, "ottawa", "red", [
        "hydra", "-l", "admin", "-P", "/usr/share/rangectl/wordlists/weak-passwords.txt",
        "-t", "8", "-f", "-I", f"ssh://{files}"], timeout=120)
    assert f"password: {secrets['ottawa']['admin_password']}" in guess.output


def test_the_new_exercise_state_is_private(exercise: str) -> None:
    state = ExerciseState(exercise)
    assert stat.S_IMODE(state.directory.stat().st_mode) == 0o700
    assert stat.S_IMODE((state.root / "exercises").stat().st_mode) == 0o700
    for path in state.directory.rglob("*"):
        if path.is_symlink():
            continue
        expected = 0o700 if path.is_dir() else 0o600
        if "ansible" in path.relative_to(state.directory).parts:
            continue  # ansible-runner's own files, inside the private folder
        assert stat.S_IMODE(path.stat().st_mode) == expected, path


def test_access_refuses_to_overwrite_a_key_with_the_range_up(exercise: str,
                                                             tmp_path: Path) -> None:
    folder = tmp_path / "dot-ssh"
    folder.mkdir()
    (folder / "id_ed25519").write_text("my own key\n", encoding="utf-8")
    result = rangectl("access", "ottawa", "-o", str(folder), "--exercise", exercise)
    assert result.returncode == 2, result.stderr
    assert (folder / "id_ed25519").read_text(encoding="utf-8") == "my own key\n"
    fresh = tmp_path / "kit"
    written = rangectl("access", "ottawa", "-o", str(fresh), "--exercise", exercise)
    assert written.returncode == 0, written.stderr
    assert rangectl("access", "ottawa", "-o", str(fresh), "--exercise", exercise).returncode == 0
