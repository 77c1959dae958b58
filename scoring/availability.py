"""Availability: points for each scored service, each tick, by what the scorebot saw.

As in the attack-defence game servers' SLA, a service earns its points each
tick it answers correctly, a fraction when it answers wrongly (`degraded`),
and nothing when it is `down`. An `error` is the checker's own failure, not
the team's, so it earns the full points and says so.
"""

from __future__ import annotations

from collections.abc import Iterator

from orchestrator.agents.check_runner import CheckResult
from orchestrator.plan.model import Plan
from scoring.facts import CheckFact, Facts
from scoring.lines import LedgerLine, points


def availability_lines(plan: Plan, facts: Facts) -> Iterator[LedgerLine]:
    rules = plan.scoring
    scored = {(team.team, check.check_id) for team in plan.teams for check in team.checks}
    for fact in facts.checks:
        if (fact.team, fact.check) not in scored:
            continue
        raw, reason = _judge(fact, rules.points_per_check, rules.degraded_factor)
        yield LedgerLine(fact.team, "availability", fact.check, raw, raw, fact.t, fact.time,
                         f"tick {fact.tick}: {reason}", (fact.seq,), facts.check_void(fact))


def _judge(fact: CheckFact, per_check: float, degraded_factor: float) -> tuple[float, str]:
    detail = f": {fact.detail}" if fact.detail else ""
    if fact.result == CheckResult.OK:
        return points(per_check), f"{fact.check} ok"
    if fact.result == CheckResult.DEGRADED:
        return (points(per_check * degraded_factor),
                f"{fact.check} degraded{detail} (x{degraded_factor:g})")
    if fact.result == CheckResult.ERROR:
        return points(per_check), f"{fact.check}: the check itself failed{detail}; not held " \
                                  "against the team"
    return 0.0, f"{fact.check} down{detail}"
