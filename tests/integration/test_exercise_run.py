"""`rangectl run` on a real quickstart range: the whole timeline, then a crash and a resume."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrator.runtime.docker.backend import DockerBackend
from orchestrator.state import ExerciseState
from tests.conftest import SCENARIOS
from tests.e2e.cli import rangectl
from tests.integration.conftest import deployed, events, running, unique_exercise, wait_for_event

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def exercise(backend: DockerBackend) -> Iterator[str]:
    yield from deployed(backend, SCENARIOS / "quickstart.yml", unique_exercise("run"))


def fresh_events(exercise: str) -> None:
    """Forget earlier runs of the exercise (the range itself stays up)."""
    path = ExerciseState(exercise).events_path
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def test_run_at_high_speed_fires_every_inject_and_checks_every_tick(
    exercise: str, tmp_path: Path
) -> None:
    fresh_events(exercise)
    assert rangectl("access", "tallinn", "--out", str(tmp_path / "kit"),
                    "--exercise", exercise).returncode == 0
    with running(exercise, "5") as process:
        # Tallinn sees the password guess and reports it from its bastion, mid-run.
        wait_for_event(exercise, "inject.fired", process, inject="ssh-password-guess")
        filed = subprocess.run(
            ["ssh", "-F", str(tmp_path / "kit" / "ssh_config"), "-o", "BatchMode=yes",
             "bastion", "incident --host files --technique T1110.001 --indicator 10.0.0.1 "
             "--summary 'password guessing on files'"],
            capture_output=True, text=True, timeout=60, check=False)
        assert filed.returncode == 0, filed.stderr
        assert "filed" in filed.stdout
        _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    assert b"finished" in stderr
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
    assert_scores_and_reports_agree(exercise, tmp_path)


def assert_scores_and_reports_agree(exercise: str, tmp_path: Path) -> None:
    """score, the JSON report and the HTML report of a run tell one story."""
    score = rangectl("score", "--exercise", exercise, "-o", "json")
    assert score.returncode == 0, score.stderr
    board = json.loads(score.stdout)
    report = rangectl("report", "--exercise", exercise, "-o", "json", "--out", "-")
    assert report.returncode == 0, report.stderr
    document = json.loads(report.stdout)
    assert document["standings"] == board["teams"]
    for team in board["teams"]:
        lines = [line for line in document["ledger"] if line["team"] == team["team"]]
        assert team["total"] == pytest.approx(sum(line["points"] for line in lines))
        assert team["total"] > 0
    judged = [(i["team"], i["status"], i["inject"]) for i in document["incidents"]]
    assert judged == [("tallinn", "detected", "ssh-password-guess")]
    detection = {t["team"]: t["categories"]["detection"] for t in board["teams"]}
    assert detection["tallinn"] > 0
    assert detection["ottawa"] == 0
    html = rangectl("report", "--exercise", exercise, "--out", str(tmp_path / "report.html"))
    assert html.returncode == 0, html.stderr
    text = (tmp_path / "report.html").read_text(encoding="utf-8")
    for team in board["teams"]:
        assert f'<td class="num total"><b><a href="#ledger-{team["team"]}">{team["total"]:g}' \
            in text


def test_white_cell_actions_need_a_running_exercise(exercise: str) -> None:
    result = rangectl("pause", "--exercise", exercise)
    assert result.returncode == 2
    assert "is not running" in result.stderr


def test_killed_controller_resumes_without_firing_twice(exercise: str) -> None:
    fresh_events(exercise)
    with running(exercise, "10", stderr=subprocess.DEVNULL) as process:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # kill it once the first inject has fired
            if events(exercise, "inject.fired"):
                break
            time.sleep(0.2)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
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


def test_a_scorebot_restarted_mid_run_is_checking_again_at_the_next_tick(
        exercise: str, backend: DockerBackend) -> None:
    fresh_events(exercise)
    with running(exercise, "5") as process:
        wait_for_event(exercise, "tick.completed", process, tick=2)
        scorebot = backend.api.containers(filters={"label": [
            f"rangectl.exercise={exercise}", "rangectl.team=ottawa", "rangectl.host=scorebot"]})
        backend.api.restart(scorebot[0]["Id"], timeout=1)  # its check runner dies with it
        _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    ticks = [int(data["tick"]) for _, data in events(exercise, "tick.completed")]  # type: ignore[call-overload]
    assert ticks == list(range(10))
    last = [data["result"] for team, data in events(exercise, "check.completed")
            if team == "ottawa" and data["tick"] == 9]
    assert last == ["ok", "ok"]
