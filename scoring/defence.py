"""Defence: each inject's points, per team, when blue stopped the attack.

An attack that got through earns nothing (and says so); an inject that could
not run (`error`) or that the controller lost (`interrupted`) is not held for
or against anyone. Only a team's first firing of an inject is scored; a
white-cell re-run is shown, never counted twice. An attack that ran while its
target host was being reset (from the reset's start to its end, by the order
of events) scores as if it got through: a reset is not a defence, and timing
one against a known inject must not earn its stake.
"""

from __future__ import annotations

from collections.abc import Iterator

from orchestrator.plan.model import Plan
from scoring.facts import Facts, HostReset, InjectFact
from scoring.lines import LedgerLine

_REASONS = {
    "blocked": "blocked: the attack did not get through",
    "succeeded": "succeeded: the attack got through",
    "error": "not scored: the inject could not run",
    "interrupted": "not scored: the controller stopped while it ran",
}


def inject_points(plan: Plan, team: str, inject: str) -> int:
    planned = plan.team(team).inject(inject)
    return planned.points if planned else 0


def defence_lines(plan: Plan, facts: Facts) -> Iterator[LedgerLine]:
    teams = {team.team for team in plan.teams}
    for firing in facts.injects:
        if firing.outcome is None or firing.team not in teams:
            continue  # still running: scored when it ends
        stake = inject_points(plan, firing.team, firing.inject)
        outcome = firing.outcome
        reset = _reset_during(facts, firing) if outcome in ("blocked", "error") else None
        raw = float(stake) if outcome == "blocked" and reset is None else 0.0
        how = " (fired by the white cell)" if firing.manual else ""
        reason = f"{firing.inject}{how}: {_REASONS.get(outcome, outcome)}"
        if reset is not None:
            reason = (f"{firing.inject}{how}: {outcome}, but {reset.host} was being reset "
                      f"meanwhile: scored as if the attack got through")
        if outcome in ("blocked", "succeeded"):
            reason += f" ({stake} at stake)"
        yield LedgerLine(firing.team, "defence", firing.inject, raw, raw, firing.t,
                         firing.ended_time or firing.fired_time, reason,
                         (firing.fired_seq, *([firing.ended_seq] if firing.ended_seq else [])),
                         facts.inject_void(firing))


def _reset_during(facts: Facts, firing: InjectFact) -> HostReset | None:
    """A reset of the inject's target host that overlapped its run, by event order."""
    ended = firing.ended_seq if firing.ended_seq is not None else float("inf")
    for reset in facts.resets:
        finished = reset.finished_seq if reset.finished_seq is not None else float("inf")
        if (reset.team, reset.host) == (firing.team, firing.target) \
                and reset.seq <= ended and finished >= firing.fired_seq:
            return reset
    return None
