"""One tick: every team's checks from its scorebot, at once, each result an event.

Each scorebot's check runner and each bastion's two spool collectors is a
process that stays open for the whole run (orchestrator/runtime/host_process.py):
started once, with the clock held, it answers each tick in one round trip,
which is what lets 24 teams' checks fit in a tick. Incident reports are
collected in the same tick, beside the checks, as are the trainees' reset
requests (the engine acts on them as on the white cell's); bastion logins are read
between ticks (recorded, never scored), so reading them never makes a tick late.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from orchestrator.access.logins import collect_logins
from orchestrator.events.kinds import CheckCompleted, TickCompleted
from orchestrator.events.store import EventStore
from orchestrator.exercise.clock import Clock
from orchestrator.exercise.incidents import incident_collector
from orchestrator.exercise.reset_requests import request_collector
from orchestrator.plan.model import Plan, TeamRange
from orchestrator.runtime.backend import RangeBackend
from orchestrator.runtime.host_process import HostProcess
from orchestrator.scorebot import CheckOutcome, CheckResult, Scorebot

CheckCounts = dict[str, int]  # result -> how many of a team's checks had it


class TickRunner:
    """Runs ticks for a plan's teams and records their results."""

    def __init__(self, backend: RangeBackend, plan: Plan, secrets: dict[str, dict[str, str]],
                 store: EventStore, pool: ThreadPoolExecutor) -> None:
        self.backend = backend
        self.plan = plan
        self.store = store
        self.pool = pool  # the engine's, for opening and closing and for logins
        self.scorebots = [Scorebot(backend, plan.exercise, team, secrets.get(team.team, {}))
                          for team in plan.teams]
        self.collectors = [collector(backend, plan.exercise, team.team, store)
                           for collector in (incident_collector, request_collector)
                           for team in plan.teams]
        self.logins: Future[int] | None = None

    def open(self, clock: Clock) -> None:
        """Start every scorebot's runner and bastion's collector with the clock held.

        Starting them costs an exec and an interpreter per host; done in the
        first tick, that would make it seconds late at 24 teams. A host that
        cannot start one now is tried again at its first tick.
        """
        clock.pause()
        try:
            self._on_every_process(HostProcess.open)
        finally:
            clock.resume()

    def close(self) -> None:
        """The last logins, then every process ended (each waited for, all at once)."""
        self.read_logins(wait=True)
        self._on_every_process(HostProcess.close)

    def _on_every_process(self, action: Callable[[HostProcess], object]) -> None:
        processes = [scorebot.process for scorebot in self.scorebots]
        processes += [collector.process for collector in self.collectors]
        for future in [self.pool.submit(action, process) for process in processes]:
            future.exception()  # a host that fails is tried again, or is gone: not fatal

    def run(self, tick: int, t: float) -> dict[str, CheckCounts]:
        """Tick `tick` at exercise time `t`: every team's checks and new incident
        reports, concurrently; each check result, then the tick, recorded. Returns
        each team's counts of results."""
        started = time.monotonic()
        teams = range(len(self.plan.teams))
        with ThreadPoolExecutor(max_workers=len(self.collectors) + len(teams)) as pool:
            reports = pool.map(lambda index: self._collect(index, t),
                               range(len(self.collectors)))
            results = list(pool.map(self._checks, teams))
            list(reports)
        counts: dict[str, CheckCounts] = {}
        for team, team_results in zip(self.plan.teams, results, strict=True):
            if team_results:
                counts[team.team] = dict(Counter(str(r.result) for r in team_results))
        self.store.record_all([
            CheckCompleted(team=result.team, host=result.host, service=result.service,
                           tick=tick, t=t, result=result.result, detail=result.detail,
                           elapsed=result.elapsed)
            for team_results in results for result in team_results])
        self.store.record(TickCompleted(tick=tick, t=t,
                                        seconds=round(time.monotonic() - started, 3)))
        self.read_logins(wait=False)
        return counts

    def _checks(self, index: int) -> list[CheckOutcome]:
        try:
            return self.scorebots[index].run()
        except Exception as exc:  # the scorebot failed: every check is in error
            return _all_in_error(self.plan.teams[index], str(exc)[:200])

    def _collect(self, index: int, t: float) -> int:
        """A team's new incident reports or reset requests, as events."""
        try:
            return len(self.collectors[index].collect(t))
        except Exception:  # a bastion that does not answer: its files wait in its spool
            return 0

    def read_logins(self, wait: bool) -> None:
        """Bastion logins, one read at a time: a read still going is left to finish
        (or, when `wait`, waited for before a last one)."""
        if self.logins is not None and not self.logins.done():
            if not wait:
                return
            self.logins.exception()
        teams = [team.team for team in self.plan.teams]
        self.logins = self.pool.submit(collect_logins, self.backend, self.plan.exercise, teams,
                                       self.store)
        if wait:
            self.logins.exception()


def _all_in_error(team: TeamRange, detail: str) -> list[CheckOutcome]:
    return [CheckOutcome(team.team, check.host, check.service, CheckResult.ERROR, detail, 0.0)
            for check in team.checks]
