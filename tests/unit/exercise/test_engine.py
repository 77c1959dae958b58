"""The engine's timeline on a simulated clock: every tick, every inject once, resumable.

The range is replaced by a stand-in that answers execs the way a healthy range
does; the engine's scheduling, recording and resuming are pure logic.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from orchestrator.cli.common import load
from orchestrator.events.store import EventStore
from orchestrator.exercise.clock import SimulatedClock
from orchestrator.exercise.engine import ExerciseEngine
from orchestrator.exercise.injects import run_inject
from orchestrator.plan import Plan, plan_loaded
from orchestrator.runtime.backend import ExecResult
from tests.conftest import SCENARIOS


class LineSession:
    def __init__(self, answer: Callable[[str], str]) -> None:
        self.answer = answer
        self.closed = False

    def request(self, line: str, timeout: float) -> str:
        assert not self.closed
        return self.answer(line).strip().splitlines()[-1]

    def close(self) -> None:
        self.closed = True


class HealthyRange:
    """Answers the scorebot with every check ok, and red's commands with `open`."""

    def __init__(self) -> None:
        self.commands: list[tuple[str, str, str]] = []
        self.incidents: dict[str, list[dict[str, object]]] = {}
        self.sessions: list[tuple[str, str]] = []

    def exec(self, exercise: str, team: str, host: str, command: Sequence[str],
             timeout: float = 60) -> ExecResult:
        if host == "bastion":  # the spool reader: each report file, never archived
            return ExecResult(0, json.dumps({"entries": [
                {"file": f"{report['id']}.json", "owner": "blue", "text": json.dumps(report)}
                for report in self.incidents.get(team, [])]}))
        if host == "scorebot":
            checks = json.loads(command[-1])["checks"]
            return ExecResult(0, json.dumps({"results": [
                {"id": c["id"], "result": "ok", "detail": "", "elapsed": 0.01} for c in checks]}))
        self.commands.append((team, host, command[-1]))
        return ExecResult(0, "22/tcp open ssh\n[22][ssh] login: admin password: letmein\n")

    def open_session(self, exercise: str, team: str, host: str, command: Sequence[str],
                     user: str | None = None) -> LineSession:
        """A stand-in for an attached exec: each request line is answered as an exec of it."""
        self.sessions.append((team, host))
        return LineSession(lambda line: self.exec(exercise, team, host, [*command, line]).output)

    def host_logs(self, exercise: str, team: str, host: str,
                  since: float | None = None) -> list[tuple[str, str]]:
        return []

    def reserved_subnets(self, except_exercise: str) -> list[str]:
        return []

    def exercises(self) -> Mapping[str, Sequence[str]]:
        return {}


class StopAt(SimulatedClock):
    """A simulated clock that stops the engine once it reaches a time."""

    def __init__(self, stop_at: float, stop: threading.Event, start: float = 0.0) -> None:
        super().__init__(start)
        self.stop_at = stop_at
        self.stop = stop

    def wait_until(self, moment: float, stop: threading.Event) -> bool:
        if moment > self.stop_at:
            self.stop.set()
        return super().wait_until(min(moment, self.stop_at), stop)


def quickstart() -> Plan:
    return plan_loaded(load(SCENARIOS / "quickstart.yml"), exercise="engine-test")


def run(plan: Plan, store: EventStore, clock: SimulatedClock, stop: threading.Event,
        backend: HealthyRange) -> bool:
    engine = ExerciseEngine(backend, plan, {"ottawa": {"admin_password": "letmein"},  # type: ignore[arg-type]
                                            "tallinn": {"admin_password": "hunter"}},
                            store, clock)
    return engine.run(stop)


def test_a_whole_exercise_records_every_tick_and_every_inject_once(tmp_path: Path) -> None:
    plan = quickstart()
    store = EventStore(tmp_path / "events.db")
    backend = HealthyRange()
    assert run(plan, store, SimulatedClock(), threading.Event(), backend)
    ticks = [e.data["tick"] for e in store.read("tick.completed")]
    assert ticks == list(range(plan.duration // plan.tick + 1))
    checks = Counter((e.team, e.data["tick"]) for e in store.read("check.completed"))
    assert set(checks.values()) == {2}  # web/http and files/ssh, each team, each tick
    fired = Counter((e.team, e.data["inject"]) for e in store.read("inject.fired"))
    assert fired == {(team, name): 1 for team in ("ottawa", "tallinn")
                     for name in ("scan", "ssh-password-guess")}
    outcomes = {(e.team, e.data["inject"]): e.data["outcome"]
                for e in store.read("inject.completed")}
    assert set(outcomes.values()) == {"succeeded"}
    skews = {e.data["inject"]: e.data["skew_ms"] for e in store.read("inject.skew")}
    assert set(skews) == {"scan", "ssh-password-guess"}
    assert all(skew >= 0 for skew in skews.values())
    assert [e.kind for e in store.read("exercise.")] == ["exercise.started", "exercise.finished"]
    assert {(team, host) for team, host, _ in backend.commands} == {
        ("ottawa", "red"), ("tallinn", "red")}


def test_injects_fire_at_their_offset_for_every_team(tmp_path: Path) -> None:
    plan = quickstart()
    store = EventStore(tmp_path / "events.db")
    run(plan, store, SimulatedClock(), threading.Event(), HealthyRange())
    times = {(e.team, e.data["inject"]): e.data["t"] for e in store.read("inject.fired")}
    assert times[("ottawa", "scan")] == times[("tallinn", "scan")] == 20
    assert times[("ottawa", "ssh-password-guess")] == 50


def test_stopped_and_resumed_nothing_fires_twice_and_no_tick_is_lost(tmp_path: Path) -> None:
    plan = quickstart()
    store = EventStore(tmp_path / "events.db")
    stop = threading.Event()
    assert not run(plan, store, StopAt(35, stop), stop, HealthyRange())
    assert [e.data["tick"] for e in store.read("tick.completed")] == [0, 1, 2, 3]
    resumed = threading.Event()
    assert run(plan, store, SimulatedClock(start=35), resumed, HealthyRange())
    ticks = [e.data["tick"] for e in store.read("tick.completed")]
    assert ticks == list(range(plan.duration // plan.tick + 1))
    fired = Counter((e.team, e.data["inject"]) for e in store.read("inject.fired"))
    assert set(fired.values()) == {1}
    assert len(fired) == 4
    assert [e.kind for e in store.read("exercise.")] == [
        "exercise.started", "exercise.resumed", "exercise.finished"]


def test_an_inject_cut_off_by_a_crash_is_marked_not_refired(tmp_path: Path) -> None:
    plan = quickstart()
    store = EventStore(tmp_path / "events.db")
    store.append("tick.completed", tick=0, t=0)
    store.append("inject.fired", team="ottawa", inject="scan", t=20)  # then the crash
    assert run(plan, store, SimulatedClock(start=20), threading.Event(), HealthyRange())
    interrupted = [(e.team, e.data["inject"]) for e in store.read("inject.interrupted")]
    assert interrupted == [("ottawa", "scan")]
    fired = Counter((e.team, e.data["inject"]) for e in store.read("inject.fired"))
    assert fired[("ottawa", "scan")] == 1
    assert fired[("tallinn", "scan")] == 1


class EchoRange(HealthyRange):
    def exec(self, exercise: str, team: str, host: str, command: Sequence[str],
             timeout: float = 60) -> ExecResult:
        self.commands.append((team, host, command[-1]))
        return ExecResult(0, f"ran: {command[-1]}\ntoken=abc")


def test_an_inject_sees_only_its_secrets_and_records_none() -> None:
    plan = plan_loaded(load(SCENARIOS / "arctic-sentinel.yml"), exercise="engine-test")
    inject = next(i for i in plan.team("ottawa").injects if i.name == "credentials-exfiltration")
    backend = EchoRange()
    secrets = {"operator_password": "iceberg", "analyst_password": "s3cret-analyst"}
    result = run_inject(backend, "engine-test", "ottawa", inject, secrets)  # type: ignore[arg-type]
    sent = backend.commands[0][2]
    assert "sshpass -p 'iceberg'" in sent
    recorded = json.dumps(result.steps)
    assert "iceberg" not in recorded
    assert "<secret:operator_password>" in recorded
    assert result.outcome == "succeeded"  # its criterion: the output contains "token"


def test_incident_reports_are_recorded_once(tmp_path: Path) -> None:
    plan = quickstart()
    store = EventStore(tmp_path / "events.db")
    backend = HealthyRange()
    backend.incidents["tallinn"] = [{"id": "1795560000-abcd", "host": "files",
                                     "technique": "T1110.001", "indicators": ["10.128.0.92"],
                                     "summary": "ssh brute force"}]
    run(plan, store, SimulatedClock(), threading.Event(), backend)
    reported = [(e.team, e.host, e.data["technique"]) for e in store.read("incident.reported")]
    assert reported == [("tallinn", "files", "T1110.001")]  # seen every tick, recorded once


class WhiteCellRange(HealthyRange):
    """A healthy range whose white cell acts while the exercise runs."""

    def __init__(self, store: EventStore, actions: dict[int, list[tuple[str, dict[str, str]]]]
                 ) -> None:
        super().__init__()
        self.store = store
        self.actions = actions
        self.scorebot_calls = 0  # ticks seen by Ottawa's scorebot (not its warm-up)

    def exec(self, exercise: str, team: str, host: str, command: Sequence[str],
             timeout: float = 60) -> ExecResult:
        if host == "scorebot" and team == "ottawa" and json.loads(command[-1])["checks"]:
            for kind, data in self.actions.pop(self.scorebot_calls, []):
                self.store.append(kind, by="white-cell", **data)
            self.scorebot_calls += 1
        return super().exec(exercise, team, host, command, timeout)


def test_white_cell_fires_by_hand_and_stops_early(tmp_path: Path) -> None:
    plan = quickstart()
    store = EventStore(tmp_path / "events.db")
    backend = WhiteCellRange(store, {
        1: [("control.inject", {"inject": "ssh-password-guess", "team": "tallinn"})],
        3: [("control.pause", {}), ("control.resume", {}), ("control.stop", {})],
    })
    assert run(plan, store, SimulatedClock(), threading.Event(), backend)
    manual = [(e.team, e.data["inject"], e.data["by"]) for e in store.read("inject.fired")
              if e.data.get("manual")]
    assert manual == [("tallinn", "ssh-password-guess", "white-cell")]
    assert [e.kind for e in store.read("clock.")] == ["clock.paused", "clock.resumed"]
    finished = list(store.read("exercise.finished"))
    assert len(finished) == 1
    assert finished[0].data["early"] is True
    assert [e.data["tick"] for e in store.read("tick.completed")] == [0, 1, 2, 3]


class FlakyScorebot(HealthyRange):
    """Every scorebot session breaks on its first request, as after a scorebot restart."""

    def open_session(self, exercise: str, team: str, host: str, command: Sequence[str],
                     user: str | None = None) -> LineSession:
        session = super().open_session(exercise, team, host, command, user)
        if self.sessions.count((team, "scorebot")) == 1 and host == "scorebot":
            def broken(_line: str) -> str:
                raise RuntimeError("the session ended")
            session.answer = broken
        return session


def test_one_session_per_host_for_the_whole_run_and_a_broken_one_is_restarted(
        tmp_path: Path) -> None:
    plan = quickstart()
    store = EventStore(tmp_path / "events.db")
    backend = FlakyScorebot()
    assert run(plan, store, SimulatedClock(), threading.Event(), backend)
    results = Counter(e.data["result"] for e in store.read("check.completed"))
    assert results == {"ok": 2 * 2 * (plan.duration // plan.tick + 1)}
    # A session per scorebot and two per bastion (incident reports, reset requests), plus
    # one restart for each scorebot that broke: never one per tick.
    assert Counter(backend.sessions) == {("ottawa", "scorebot"): 2, ("tallinn", "scorebot"): 2,
                                         ("ottawa", "bastion"): 2, ("tallinn", "bastion"): 2}


class RecordingRange(HealthyRange):
    """Keeps every line each session was sent, and the clock's time when it was sent."""

    def __init__(self, clock: SimulatedClock) -> None:
        super().__init__()
        self.clock = clock
        self.lines: list[tuple[str, str, float, str]] = []

    def open_session(self, exercise: str, team: str, host: str, command: Sequence[str],
                     user: str | None = None) -> LineSession:
        session = super().open_session(exercise, team, host, command, user)
        answer = session.answer

        def recorded(line: str) -> str:
            self.lines.append((team, host, self.clock.now(), line))
            return answer(line)
        session.answer = recorded
        return session


def test_every_session_has_answered_a_no_op_before_the_clock_starts(tmp_path: Path) -> None:
    """An exec returns before its interpreter has started: the first tick must not pay
    for 48 interpreters starting at once, so each is asked a harmless request first."""
    plan = quickstart()
    store = EventStore(tmp_path / "events.db")
    clock = SimulatedClock()
    backend = RecordingRange(clock)
    assert run(plan, store, clock, threading.Event(), backend)
    for team in ("ottawa", "tallinn"):
        no_ops: dict[str, dict[str, list[str]]] = {"scorebot": {"checks": []},
                                                     "bastion": {"archive": []}}
        sessions = {"scorebot": 1, "bastion": 2}  # a bastion's: reports, reset requests
        for host, no_op in no_ops.items():
            sent = [(t, json.loads(line)) for who, where, t, line in backend.lines
                    if (who, where) == (team, host)]
            assert sent[:sessions[host]] == [(0.0, no_op)] * sessions[host]
            # then one per tick and session
            assert len(sent) == sessions[host] * (1 + plan.duration // plan.tick + 1)
    checks = Counter((e.team, e.data["tick"]) for e in store.read("check.completed"))
    assert set(checks.values()) == {2}
