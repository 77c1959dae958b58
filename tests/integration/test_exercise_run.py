"""`rangectl run` on a real quickstart range: the whole timeline, then a crash and a resume."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrator.events.store import EventStore
from orchestrator.runtime.docker.backend import DockerBackend
from orchestrator.state import ExerciseState
from tests.conftest import SCENARIOS
from tests.e2e.cli import RANGECTL, rangectl
from tests.integration.conftest import deployed, unique_exercise

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def exercise(backend: DockerBackend) -> Iterator[str]:
    yield from deployed(backend, SCENARIOS / "quickstart.yml", unique_exercise("run"))


def events(exercise: str, prefix: str) -> list[tuple[str | None, dict[str, object]]]:
    store = EventStore(ExerciseState(exercise).events_path)
    try:
        return [(e.team, e.data) for e in store.read(prefix)]
    finally:
        store.close()


def fresh_events(exercise: str) -> None:
    """Forget earlier runs of the exercise (the range itself stays up)."""
    path = ExerciseState(exercise).events_path
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def test_run_at_high_speed_fires_every_inject_and_checks_every_tick(
    exercise: str, tmp_path: Path
) -> None:
    fresh_events(exercise)
    assert rangectl("access", "tallinn", "-o", str(tmp_path / "kit"),
                    "--exercise", exercise).returncode == 0
    filed = subprocess.run(
        ["ssh", "-F", str(tmp_path / "kit" / "ssh_config"), "-o", "BatchMode=yes", "bastion",
         "incident --host files --technique T1110.001 --indicator 10.0.0.1 "
         "--summary 'password guessing on files'"],
        capture_output=True, text=True, timeout=60, check=False)
    assert filed.returncode == 0, filed.stderr
    assert "filed" in filed.stdout
    result = rangectl("run", "--exercise", exercise, "--speed", "15", timeout=300)
    assert result.returncode == 0, result.stderr
    assert "finished" in result.stderr
    ticks = [int(data["tick"]) for _, data in events(exercise, "tick.completed")]  # type: ignore[call-overload]
    assert ticks == list(range(10))
    checks = Counter(team for team, _ in events(exercise, "check.completed"))
    assert checks == {"ottawa": 20, "tallinn": 20}
    outcomes = {(team, data["inject"]): data["outcome"]
                for team, data in events(exercise, "inject.completed")}
    assert outcomes == {(team, name): "succeeded" for team in ("ottawa", "tallinn")
                        for name in ("scan", "ssh-password-guess")}
    reports = events(exercise, "incident.reported")
    assert [(team, data["technique"], data["reporter"]) for team, data in reports] == [
        ("tallinn", "T1110.001", "blue")]


def test_white_cell_actions_need_a_running_exercise(exercise: str) -> None:
    result = rangectl("pause", "--exercise", exercise)
    assert result.returncode == 2
    assert "is not running" in result.stderr


def test_killed_controller_resumes_without_firing_twice(exercise: str) -> None:
    fresh_events(exercise)
    process = subprocess.Popen([str(RANGECTL), "run", "--exercise", exercise, "--speed", "10"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=os.environ.copy())
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # kill it once the first inject has fired
            if events(exercise, "inject.fired"):
                break
            time.sleep(0.2)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    before = [int(d["tick"]) for _, d in events(exercise, "tick.completed")]  # type: ignore[call-overload]
    assert before, "the run was killed before its first tick"
    result = rangectl("run", "--exercise", exercise, "--speed", "10", timeout=300)
    assert result.returncode == 0, result.stderr
    assert "resuming at" in result.stderr
    ticks = [int(d["tick"]) for _, d in events(exercise, "tick.completed")]  # type: ignore[call-overload]
    assert ticks == list(range(10))
    fired = Counter((team, data["inject"]) for team, data in events(exercise, "inject.fired"))
    assert fired == {(team, name): 1 for team in ("ottawa", "tallinn")
                     for name in ("scan", "ssh-password-guess")}
