"""The exercise engine: one clock, every team's checks each tick, injects on time.

It composes four parts, each with one job: the timeline (which moments come,
pure), the white cell's controls (pause, resume, stop, fire by hand, read
from the store while it waits), the inject firing (recorded before it runs)
and the tick runner (checks and incident reports). Everything they do is an
event. On start the engine reads the store and continues where it stopped:
the clock resumes at the exercise time it had reached, so downtime does not
count, and an inject cut off by a crash is marked `inject.interrupted`,
never fired twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from orchestrator.events.kinds import (
    ExerciseFinished,
    ExerciseResumed,
    ExerciseStarted,
    InjectInterrupted,
)
from orchestrator.events.store import EventStore
from orchestrator.exercise.clock import Clock
from orchestrator.exercise.controls import WhiteCellControls
from orchestrator.exercise.firing import InjectFiring
from orchestrator.exercise.injects import InjectResult
from orchestrator.exercise.progress import Progress, read_progress
from orchestrator.exercise.reset_queue import ResetQueue
from orchestrator.exercise.ticks import TickRunner
from orchestrator.exercise.timeline import Moment, Timeline
from orchestrator.plan.model import Plan
from orchestrator.reset import HostResets
from orchestrator.runtime.backend import RangeBackend


@dataclass
class EngineStatus:
    """What the live view shows; updated by the engine as it goes."""

    now: float = 0.0
    tick: int = -1
    paused: bool = False
    next_injects: list[tuple[int, str]] = field(default_factory=list)
    checks: dict[str, dict[str, int]] = field(default_factory=dict)  # team -> result -> n
    injects: dict[str, dict[str, str]] = field(default_factory=dict)  # team -> inject -> outcome


class ExerciseEngine:
    """Runs a plan's timeline on a clock against a backend, recording every fact."""

    def __init__(self, backend: RangeBackend, plan: Plan, secrets: dict[str, dict[str, str]],
                 store: EventStore, clock: Clock,
                 on_update: Callable[[EngineStatus], None] = lambda _status: None,
                 resets: Callable[[Clock], HostResets] | None = None) -> None:
        """`resets` makes the exercise's HostResets on the engine's clock; without it a
        `rangectl reset` asked of this engine is refused."""
        self.plan = plan
        self.store = store
        self.clock = clock
        self.on_update = on_update
        self.status = EngineStatus()
        self.pool = ThreadPoolExecutor(max_workers=max(4, 2 * len(plan.teams)))
        self.ticks = TickRunner(backend, plan, secrets, store, self.pool)
        self.firing = InjectFiring(backend, plan, secrets, store, clock, self.pool, set())
        self.resets = ResetQueue(resets(clock)) if resets is not None else None
        self.controls = WhiteCellControls(
            store, clock, self.firing.fire_by_hand, since=0,
            reset_by_hand=self.resets.ask if self.resets is not None else None)

    def run(self, stop: threading.Event) -> bool:
        """Run to the end (True) or until `stop` is set (False); resumable either way."""
        progress = self._resume()
        self.ticks.open(self.clock)
        start = ExerciseStarted if not progress.started else ExerciseResumed
        self.store.record(start(t=progress.time))
        timeline = Timeline(self.plan, progress)
        finished = True
        for moment in timeline:
            self.status.next_injects = [(int(moment.t), name) for name in moment.injects]
            self.status.next_injects += timeline.upcoming()
            if not self.controls.wait_until(moment.t, stop, self._looked):
                finished = False
                break
            self._act(moment)
        self.firing.collect(wait=True, on_outcome=self._outcome)
        if self.resets is not None:
            self.resets.close()
        self.ticks.close()
        self.pool.shutdown(wait=True)
        if finished or self.controls.stopped:
            self.store.record(ExerciseFinished(t=self.clock.now(), early=self.controls.stopped))
        self.on_update(self.status)
        return finished or self.controls.stopped

    def _resume(self) -> Progress:
        """Read where a previous run stopped; mark what it cut off."""
        progress = read_progress(self.store.read())
        self.controls.seq = progress.last_control  # requests made while no engine ran: void
        self.firing.fired.update(progress.fired)
        if self.resets is not None:
            self.resets.resets.close_interrupted()
        for team, inject in progress.interrupted:
            self.store.record(InjectInterrupted(
                team=team, inject=inject,
                reason="the controller stopped while it ran; not fired again"))
        return progress

    def _act(self, moment: Moment) -> None:
        """The moment has come: its injects first, then its tick."""
        self.status.now = self.clock.now()
        for name in moment.injects:
            self.firing.fire(name)
        if moment.tick is not None:
            self.status.checks.update(self.ticks.run(moment.tick, moment.t))
            self.status.tick = moment.tick
            self.firing.collect(wait=False, on_outcome=self._outcome)
        self.on_update(self.status)

    def _looked(self) -> None:
        self.status.paused = self.controls.paused
        self.on_update(self.status)

    def _outcome(self, result: InjectResult) -> None:
        self.status.injects.setdefault(result.team, {})[result.inject] = result.outcome
