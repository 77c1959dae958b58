"""The baseline gate: a team is ready only when all of its checks pass.

Provisioning says what Ansible changed, not whether the services answer; the
gate asks the team's own scorebot, as the exercise will, and waits (bounded)
for services that take a moment to start. The clock cannot start before every
team is ready, so no team starts behind.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from orchestrator.errors import RuntimeFailureError
from orchestrator.events.kinds import TeamNotReady, TeamReady
from orchestrator.events.store import EventStore
from orchestrator.plan.model import Plan, TeamRange
from orchestrator.runtime.backend import RangeBackend
from orchestrator.scorebot import CheckOutcome, CheckResult, run_checks

StatusSink = Callable[[str, list[CheckOutcome]], None]


def wait_until_ready(backend: RangeBackend, plan: Plan, secrets: dict[str, dict[str, str]],
                     store: EventStore, on_status: StatusSink, timeout: float = 120,
                     interval: float = 2) -> dict[str, float]:
    """Seconds each team took to pass every check; raise naming what still fails."""
    started = time.monotonic()
    waiting = {team.team: team for team in plan.teams}
    ready: dict[str, float] = {}
    latest: dict[str, list[CheckOutcome]] = {}

    def check(team: TeamRange) -> list[CheckOutcome]:
        return run_checks(backend, plan.exercise, team, secrets.get(team.team, {}))

    while waiting:
        with ThreadPoolExecutor(max_workers=len(waiting)) as pool:
            results = dict(zip(waiting, pool.map(check, waiting.values()), strict=True))
        for team, team_results in results.items():
            latest[team] = team_results
            on_status(team, team_results)
            if all(result.result == CheckResult.OK for result in team_results):
                ready[team] = round(time.monotonic() - started, 2)
                store.record(TeamReady(team=team, seconds=ready[team],
                                       checks=len(team_results)))
                del waiting[team]
        if waiting and time.monotonic() - started + interval > timeout:
            break
        if waiting:
            time.sleep(interval)
    if waiting:
        failing = [f"team '{team}': {r.check_id} {r.result} ({r.detail})"
                   for team in waiting for r in latest.get(team, []) if r.result != CheckResult.OK]
        for team in waiting:
            store.record(TeamNotReady(team=team, failing=tuple(
                {"check": r.check_id, "result": r.result, "detail": r.detail}
                for r in latest.get(team, []) if r.result != CheckResult.OK)))
        raise RuntimeFailureError(
            f"not ready after {timeout:g}s: " + "; ".join(failing),
            "look at the host (rangectl status; docker logs), fix it, and run up again")
    return ready
