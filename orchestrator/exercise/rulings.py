"""White-cell rulings after the fact: void an inject, a check window or an incident
report, apply a penalty rule.

A ruling is an event with a reason, like everything else in an exercise; the
scores are recomputed from the events, so a ruling changes exactly the ledger
lines that depended on what it names. A name that matches nothing would change
nothing, silently, so every name is checked against the plan (or, for a report,
the reports filed) before anything is recorded, and refused with the closest
known one. The answer is every team's total before and after, so the white
cell sees at once what the ruling did. Rulings need no running exercise and
no Docker engine.

Times are given as the white cell types them (`25m`, `1h10m`), and messages name
the command's options (`--from`, `--reason`): they are read at the command line.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from orchestrator.errors import InvalidInputError
from orchestrator.events.kinds import (
    ChecksVoided,
    InjectVoided,
    PenaltyApplied,
    ReportVoided,
    Ruling,
)
from orchestrator.exercise.scored import ScoredExercise
from orchestrator.plan.model import Plan
from orchestrator.scenario.types import parse_duration
from scoring.facts import read_facts
from scoring.scoreboard import score_exercise
from scoring.status import exercise_status

SHOWN = 12  # known names listed in a hint, at most


@dataclass(frozen=True)
class RulingRecorded:
    """A ruling as recorded: what it was, its event, and every team's total before
    and after it (each best first, as the scoreboard ranks them)."""

    what: str
    seq: int
    before: dict[str, float]
    after: dict[str, float]

    def change(self, team: str) -> float:
        """How many points the ruling gave (or took from) `team`."""
        return round(self.after[team] - self.before[team], 2)


def void_inject(exercise: ScoredExercise, name: str, team: str | None,
                reason: str) -> RulingRecorded:
    """Void inject `name` for `team` (None: every team): its defence and detection
    lines count nothing."""
    plan = exercise.plan
    inject = _one_of("inject", name, [i.name for t in plan.teams[:1] for i in t.injects])
    team_id = _team(plan, team)
    return _record(exercise, f"void of inject {inject} for {team_id or 'every team'}",
                   InjectVoided(team=team_id, inject=inject, reason=reason.strip()))


def void_report(exercise: ScoredExercise, report_id: str, team: str | None,
                reason: str) -> RulingRecorded:
    """Void incident report `report_id`: judged as if never filed (no points, no
    penalty). `team` is needed only when two teams filed a report of that id."""
    plan = exercise.plan
    team_id = _team(plan, team)
    teams = {t.team for t in plan.teams} if team_id is None else {team_id}
    filed = [r for r in read_facts(exercise.events()).reports if r.team in teams]
    if not filed:
        raise InvalidInputError(f"no incident report was filed{f' by {team_id}' if team else ''}",
                                "rangectl report lists the reports, and the files rejected")
    report = _one_of("report", report_id, sorted({r.id for r in filed}))
    by = sorted({r.team for r in filed if r.id == report})
    if len(by) > 1:
        raise InvalidInputError(f"teams {' and '.join(by)} each filed a report '{report}'",
                                "name one: " + " or ".join(f"--team {t}" for t in by))
    return _record(exercise, f"void of report {report} of {by[0]}",
                   ReportVoided(team=by[0], id=report, reason=reason.strip()))


def void_checks(exercise: ScoredExercise, start: str, end: str, team: str | None,
                check: str | None, reason: str) -> RulingRecorded:
    """Void the check results from exercise time `start` to `end` (both included)
    for `team` and `check` (None: every one): no availability points, no outage
    penalty."""
    plan = exercise.plan
    first, last = exercise_seconds("--from", start), exercise_seconds("--to", end)
    if last < first:
        raise InvalidInputError(f"--to {end} is before --from {start}",
                                "give the window's start first")
    team_id = _team(plan, team)
    if check is not None:
        check = _one_of("check", check, sorted({c.check_id for t in plan.teams
                                                for c in t.checks}))
    return _record(exercise, f"void of {check or 'every check'} for {team_id or 'every team'} "
                   f"from {first} s to {last} s",
                   ChecksVoided(team=team_id, start=first, end=last, check=check,
                                reason=reason.strip()))


def penalize(exercise: ScoredExercise, team: str, rule: str, at: str | None,
             reason: str) -> RulingRecorded:
    """Take penalty rule `rule`'s points from `team`, dated at exercise time `at`
    (None: the exercise's clock now)."""
    plan = exercise.plan
    team_id = _one_of("team", team, [t.team for t in plan.teams])
    if rule not in plan.scoring.penalties:
        raise InvalidInputError(
            f"the scenario has no penalty rule '{rule}'",
            f"add it under scoring.penalties, e.g. - {{rule: {rule}, points: 25}}"
            if not plan.scoring.penalties else
            "rules: " + ", ".join(sorted(plan.scoring.penalties)))
    t = exercise_seconds("--at", at) if at \
        else float(exercise_status(exercise.events(), plan.duration)["t"])
    return _record(exercise, f"{rule} penalty for {team_id}",
                   PenaltyApplied(team=team_id, rule=rule, t=t, reason=reason.strip()))


def exercise_seconds(option: str, value: str) -> int:
    """An exercise time as typed (`90s`, `25m`, `1h10m`), in whole seconds."""
    try:
        return int(parse_duration(value.strip()))
    except ValueError as exc:
        raise InvalidInputError(f"{option}: {exc}",
                                "exercise time like 90s, 25m or 1h10m") from None


def _one_of(kind: str, value: str, known: list[str]) -> str:
    """`value` if it is one of `known`; else refused, with the closest or a list."""
    if value in known:
        return value
    close = difflib.get_close_matches(value, known, n=1)
    listed = ", ".join(known[:SHOWN]) + (f" and {len(known) - SHOWN} more"
                                          if len(known) > SHOWN else "")
    raise InvalidInputError(f"no {kind} '{value}' in this exercise",
                            f"did you mean '{close[0]}'?" if close else f"{kind}s: {listed}")


def _team(plan: Plan, team: str | None) -> str | None:
    return None if team is None else _one_of("team", team, [t.team for t in plan.teams])


def _totals(exercise: ScoredExercise) -> dict[str, float]:
    _ledger, board = score_exercise(exercise.plan, exercise.events())
    return {team.team: team.total for team in board.teams}


def _record(exercise: ScoredExercise, what: str, ruling: Ruling) -> RulingRecorded:
    """Record the ruling, with every team's total before and after it."""
    if not ruling.reason.strip():
        raise InvalidInputError("--reason is empty", "say why, in one line")
    before = _totals(exercise)
    seq = exercise.record(ruling)
    return RulingRecorded(what, seq, before, _totals(exercise))
