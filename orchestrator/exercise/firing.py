"""Firing injects: every team's copy at the same moment, recorded before it runs.

`inject.fired` is recorded before an attack starts, so a controller killed
mid-attack never fires it twice (the run that resumes marks it
`inject.interrupted`); attacks run in the engine's pool, and their outcomes
are recorded as they finish, between moments, with how far apart the teams'
copies began (the skew: the same attack at the same offset for everyone is
what makes the teams' scores comparable).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from orchestrator.events.kinds import (
    WHITE_CELL,
    InjectCompleted,
    InjectFired,
    InjectSkewMeasured,
    RequestRefused,
)
from orchestrator.events.store import EventStore
from orchestrator.exercise.clock import Clock
from orchestrator.exercise.injects import InjectResult, run_inject
from orchestrator.plan.model import Plan, PlannedInject
from orchestrator.runtime.backend import RangeBackend

OnOutcome = Callable[[InjectResult], None]


class InjectFiring:
    """Fires a plan's injects against a backend and records what became of them."""

    def __init__(self, backend: RangeBackend, plan: Plan, secrets: dict[str, dict[str, str]],
                 store: EventStore, clock: Clock, pool: ThreadPoolExecutor,
                 fired: set[tuple[str, str]]) -> None:
        self.backend = backend
        self.plan = plan
        self.secrets = secrets
        self.store = store
        self.clock = clock
        self.pool = pool
        self.fired = fired  # (team, inject) already fired on schedule, this run or before
        self.running: list[Future[InjectResult]] = []
        self.started: dict[str, list[float]] = {}  # inject -> when each team's copy began

    def fire(self, name: str) -> None:
        """Fire inject `name` for every team that has not had it; all are recorded
        before the first attack starts, so they start as close together as can be."""
        t = self.clock.now()
        batch: list[tuple[str, PlannedInject]] = []
        for team in self.plan.teams:
            inject = team.inject(name)
            if (team.team, name) in self.fired or inject is None:
                continue
            self.store.record(InjectFired(team=team.team, inject=name, t=t,
                                          technique=inject.technique, target=inject.target_host,
                                          source=inject.source_host))
            self.fired.add((team.team, name))
            batch.append((team.team, inject))
        for team_id, inject in batch:
            self._start(team_id, inject)

    def fire_by_hand(self, name: str, team_id: str) -> None:
        """The white cell's `rangectl inject NAME --team T`: fired now, marked manual,
        never scored as the scheduled firing; an unknown pair is refused, recorded."""
        team = next((t for t in self.plan.teams if t.team == team_id), None)
        inject = team.inject(name) if team else None
        if team is None or inject is None:
            self.store.record(RequestRefused(reason=f"no inject {name} for team {team_id}"))
            return
        self.store.record(InjectFired(team=team_id, inject=name, t=self.clock.now(),
                                      technique=inject.technique, target=inject.target_host,
                                      source=inject.source_host, manual=True, by=WHITE_CELL))
        self._start(team_id, inject)

    def _start(self, team_id: str, inject: PlannedInject) -> None:
        self.running.append(self.pool.submit(run_inject, self.backend, self.plan.exercise,
                                             team_id, inject, self.secrets.get(team_id, {})))

    def collect(self, wait: bool, on_outcome: OnOutcome) -> None:
        """Record the attacks that have ended (all of them, waiting, when `wait`)."""
        still: list[Future[InjectResult]] = []
        for future in self.running:
            if not wait and not future.done():
                still.append(future)
                continue
            result = future.result()
            self.store.record(InjectCompleted(
                team=result.team, inject=result.inject, outcome=result.outcome,
                started=result.started, ended=result.ended, steps=tuple(result.steps)))
            on_outcome(result)
            starts = self.started.setdefault(result.inject, [])
            starts.append(result.started)
            if len(starts) == len(self.plan.teams):
                self.store.record(InjectSkewMeasured(
                    inject=result.inject, skew_ms=round(1000 * (max(starts) - min(starts)), 1)))
        self.running = still
