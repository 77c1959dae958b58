"""The exercise engine: one clock, every team's checks each tick, injects on time.

Everything it does is an event, appended before or after the fact as the
fact requires: `inject.fired` is recorded before an inject runs, so a
controller killed mid-attack never fires it twice (the run that resumes marks
it `inject.interrupted`); a tick's check results are recorded before the tick
is. On start the engine reads the store and continues where it stopped: the
clock resumes at the exercise time it had reached, so downtime does not count.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from orchestrator.access.logins import collect_logins
from orchestrator.events.kinds import (
    CONTROL_PREFIX,
    WHITE_CELL,
    CheckCompleted,
    ClockPaused,
    ClockResumed,
    ExerciseFinished,
    ExerciseResumed,
    ExerciseStarted,
    InjectCompleted,
    InjectFired,
    InjectInterrupted,
    InjectRequested,
    InjectSkewMeasured,
    PauseRequested,
    RequestRefused,
    ResumeRequested,
    StopRequested,
    TickCompleted,
)
from orchestrator.events.store import EventStore
from orchestrator.exercise.clock import Clock
from orchestrator.exercise.incidents import IncidentCollector
from orchestrator.exercise.injects import InjectResult, run_inject
from orchestrator.plan.model import Plan, PlannedInject
from orchestrator.runtime.backend import RangeBackend
from orchestrator.runtime.host_process import HostProcess
from orchestrator.scorebot import CheckOutcome, CheckResult, Scorebot


@dataclass
class EngineStatus:
    """What the live view shows; updated by the engine as it goes."""

    now: float = 0.0
    tick: int = -1
    paused: bool = False
    next_injects: list[tuple[int, str]] = field(default_factory=list)
    checks: dict[str, dict[str, int]] = field(default_factory=dict)  # team -> result -> n
    injects: dict[str, dict[str, str]] = field(default_factory=dict)  # team -> inject -> outcome


@dataclass(frozen=True)
class Progress:
    """Where a previous run stopped, read from the event store."""

    time: float
    last_tick: int
    fired: set[tuple[str, str]]
    completed: set[tuple[str, str]]
    finished: bool
    last_control: int


def read_progress(store: EventStore) -> Progress:
    last_time, last_tick, finished, last_control = 0.0, -1, False, 0
    fired: set[tuple[str, str]] = set()
    completed: set[tuple[str, str]] = set()
    for event in store.read():
        if event.kind.startswith(CONTROL_PREFIX):
            last_control = event.seq  # requests made while no engine ran are void
        elif event.kind == ExerciseFinished.kind:
            finished = True
        elif event.kind == TickCompleted.kind:
            last_tick = max(last_tick, int(event.data["tick"]))
            last_time = max(last_time, float(event.data["t"]))
        elif event.kind == InjectFired.kind and not event.data.get("manual"):
            fired.add((event.team or "", event.data["inject"]))
            last_time = max(last_time, float(event.data["t"]))
        elif event.kind in (InjectCompleted.kind, InjectInterrupted.kind):
            completed.add((event.team or "", event.data["inject"]))
    return Progress(last_time, last_tick, fired, completed, finished, last_control)


class ExerciseEngine:
    """Runs a plan's timeline on a clock against a backend, recording every fact."""

    def __init__(self, backend: RangeBackend, plan: Plan, secrets: dict[str, dict[str, str]],
                 store: EventStore, clock: Clock,
                 on_update: Callable[[EngineStatus], None] = lambda _status: None) -> None:
        self.backend = backend
        self.plan = plan
        self.secrets = secrets
        self.store = store
        self.clock = clock
        self.on_update = on_update
        self.status = EngineStatus()
        self.pool = ThreadPoolExecutor(max_workers=max(4, 2 * len(plan.teams)))
        self.running: list[Future[InjectResult]] = []
        self.control_seq = 0
        self.control_interval = 1.0  # real seconds between looks at white-cell requests
        self.stopped_by_white_cell = False
        self.started: dict[str, list[float]] = {}  # inject -> when each team's copy began
        self.logins: Future[int] | None = None
        self.scorebots = [Scorebot(backend, plan.exercise, team, secrets.get(team.team, {}))
                          for team in plan.teams]
        self.collectors = [IncidentCollector(backend, plan.exercise, team.team, store)
                           for team in plan.teams]

    def run(self, stop: threading.Event) -> bool:
        """Run to the end (True) or until `stop` is set (False); resumable either way."""
        progress = read_progress(self.store)
        self.control_seq = progress.last_control
        for team, inject in sorted(progress.fired - progress.completed):
            self.store.record(InjectInterrupted(
                team=team, inject=inject,
                reason="the controller stopped while it ran; not fired again"))
        self._open_sessions()
        first = progress.last_tick < 0 and not progress.fired
        self.store.record((ExerciseStarted if first else ExerciseResumed)(t=progress.time))
        fired = set(progress.fired)
        tick = progress.last_tick + 1
        timeline = sorted({(i.offset, i.name) for t in self.plan.teams for i in t.injects})
        pending = [(offset, name) for offset, name in timeline
                   if any((t.team, name) not in fired for t in self.plan.teams)]
        finished = True
        while True:
            next_tick = tick * self.plan.tick if tick * self.plan.tick <= self.plan.duration \
                else None
            next_inject = pending[0][0] if pending else None
            moments = [m for m in (next_tick, next_inject) if m is not None]
            if not moments:
                break
            moment = min(moments)
            self.status.next_injects = pending[:3]
            if not self._wait(moment, stop):
                finished = False
                break
            self.status.now = self.clock.now()
            while pending and pending[0][0] <= moment:
                self._fire(pending.pop(0)[1], fired)
            if next_tick is not None and next_tick <= moment:
                self._tick(tick, moment)
                tick += 1
            self.on_update(self.status)
        self._collect(wait=True)
        self._read_logins(wait=True)
        self._on_every_process(HostProcess.close)
        self.pool.shutdown(wait=True)
        if finished or self.stopped_by_white_cell:
            self.store.record(ExerciseFinished(t=self.clock.now(),
                                               early=self.stopped_by_white_cell))
        self.on_update(self.status)
        return finished or self.stopped_by_white_cell

    def _open_sessions(self) -> None:
        """Start every scorebot's runner and bastion's collector with the clock held.

        Starting them costs an exec and an interpreter per host; done in the
        first tick, that would make it seconds late at 24 teams. A host that
        cannot start one now is tried again at its first tick.
        """
        self.clock.pause()
        try:
            self._on_every_process(HostProcess.open)
        finally:
            self.clock.resume()

    def _on_every_process(self, action: Callable[[HostProcess], object]) -> None:
        """Open or close every scorebot's and bastion's process at once; failures wait."""
        processes = [scorebot.process for scorebot in self.scorebots]
        processes += [collector.process for collector in self.collectors]
        for future in [self.pool.submit(action, process) for process in processes]:
            future.exception()

    def _wait(self, moment: float, stop: threading.Event) -> bool:
        """Wait for `moment`, acting on white-cell requests at least every second."""
        step = self.control_interval * float(getattr(self.clock, "speed", 1.0))
        while True:
            self._controls(stop)
            if stop.is_set():
                return False
            target = min(moment, self.clock.now() + step)
            if not self.clock.wait_until(target, stop):
                return False
            if self.clock.now() >= moment:
                return True

    def _controls(self, stop: threading.Event) -> None:
        """Act on white-cell requests; while paused, keep looking until resumed or stopped."""
        self._read_controls(stop)
        while self.status.paused and not stop.is_set():
            stop.wait(self.control_interval)
            self._read_controls(stop)

    def _read_controls(self, stop: threading.Event) -> None:
        """Pause, resume, stop and manual injects, asked for through the event store."""
        for event in list(self.store.read(CONTROL_PREFIX, since=self.control_seq)):
            self.control_seq = event.seq
            if event.kind == PauseRequested.kind and self.status.paused is False:
                self.clock.pause()
                self.status.paused = True
                self.store.record(ClockPaused(t=self.clock.now()))
            elif event.kind == ResumeRequested.kind and self.status.paused:
                self.clock.resume()
                self.status.paused = False
                self.store.record(ClockResumed(t=self.clock.now()))
            elif event.kind == StopRequested.kind:
                self.stopped_by_white_cell = True
                stop.set()
            elif event.kind == InjectRequested.kind:
                self._fire_by_hand(str(event.data["inject"]), event.team or "")
        self.on_update(self.status)

    def _fire_by_hand(self, name: str, team_id: str) -> None:
        team = next((t for t in self.plan.teams if t.team == team_id), None)
        inject = team.inject(name) if team else None
        if team is None or inject is None:
            self.store.record(RequestRefused(reason=f"no inject {name} for team {team_id}"))
            return
        self.store.record(InjectFired(team=team_id, inject=name, t=self.clock.now(),
                                      technique=inject.technique, target=inject.target_host,
                                      source=inject.source_host, manual=True, by=WHITE_CELL))
        self.running.append(self.pool.submit(run_inject, self.backend, self.plan.exercise,
                                             team_id, inject, self.secrets.get(team_id, {})))

    def _fire(self, name: str, fired: set[tuple[str, str]]) -> None:
        """Fire an inject for every team at once; recorded before it runs."""
        t = self.clock.now()
        batch: list[tuple[str, PlannedInject]] = []
        for team in self.plan.teams:
            if (team.team, name) in fired:
                continue
            inject = next(i for i in team.injects if i.name == name)
            self.store.record(InjectFired(team=team.team, inject=name, t=t,
                                          technique=inject.technique,
                                          target=inject.target_host,
                                          source=inject.source_host))
            fired.add((team.team, name))
            batch.append((team.team, inject))
        for team_id, inject in batch:
            secrets = self.secrets.get(team_id, {})
            self.running.append(self.pool.submit(run_inject, self.backend, self.plan.exercise,
                                                 team_id, inject, secrets))

    def _tick(self, tick: int, t: float) -> None:
        """Every team's checks, concurrently, each result an event; then the tick."""
        def check(team_index: int) -> list[CheckOutcome]:
            team = self.plan.teams[team_index]
            try:
                return self.scorebots[team_index].run()
            except Exception as exc:  # the scorebot failed: every check is in error
                return [CheckOutcome(team.team, c.host, c.service, CheckResult.ERROR,
                                     str(exc)[:200], 0.0)
                        for c in team.checks]

        def incidents(team_index: int) -> int:
            """The team's new incident reports, as events."""
            try:
                return self.collectors[team_index].collect(t)
            except Exception:  # a bastion that does not answer: its reports wait in its spool
                return 0

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=2 * len(self.plan.teams)) as pool:
            reports = pool.map(incidents, range(len(self.plan.teams)))
            results = list(pool.map(check, range(len(self.plan.teams))))
            list(reports)
        for team_results in results:
            for result in team_results:
                self.store.record(CheckCompleted(
                    team=result.team, host=result.host, service=result.service, tick=tick,
                    t=t, result=result.result, detail=result.detail, elapsed=result.elapsed))
            if team_results:
                counts: dict[str, int] = {}
                for result in team_results:
                    counts[result.result] = counts.get(result.result, 0) + 1
                self.status.checks[team_results[0].team] = counts
        self.store.record(TickCompleted(tick=tick, t=t,
                                        seconds=round(time.monotonic() - started, 3)))
        self.status.tick = tick
        self._collect(wait=False)
        self._read_logins(wait=False)

    def _read_logins(self, wait: bool) -> None:
        """Bastion logins, read between ticks: they are recorded, not scored, so
        reading them never delays a tick (one read at a time; a final one at the end)."""
        if self.logins is not None and not self.logins.done():
            if not wait:
                return
            self.logins.exception()
        teams = [team.team for team in self.plan.teams]
        self.logins = self.pool.submit(collect_logins, self.backend, self.plan.exercise, teams,
                                       self.store)
        if wait:
            self.logins.exception()

    def _collect(self, wait: bool) -> None:
        """Record the injects that have finished (all of them when `wait`)."""
        still: list[Future[InjectResult]] = []
        for future in self.running:
            if not wait and not future.done():
                still.append(future)
                continue
            result = future.result()
            self.store.record(InjectCompleted(
                team=result.team, inject=result.inject, outcome=result.outcome,
                started=result.started, ended=result.ended, steps=tuple(result.steps)))
            self.status.injects.setdefault(result.team, {})[result.inject] = result.outcome
            starts = self.started.setdefault(result.inject, [])
            starts.append(result.started)
            if len(starts) == len(self.plan.teams):
                self.store.record(InjectSkewMeasured(
                    inject=result.inject, skew_ms=round(1000 * (max(starts) - min(starts)), 1)))
        self.running = still
