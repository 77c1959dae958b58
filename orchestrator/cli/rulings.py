"""White-cell rulings after the fact: void an inject, a check window or an incident
report, apply a penalty.

A ruling is an event with a reason, like everything else in an exercise; the
scores are recomputed from the events, so a ruling changes exactly the ledger
lines that depended on what it names, and the report shows it. Rulings need
no running exercise and no Docker engine.
"""

from __future__ import annotations

import difflib

import click

from orchestrator.cli.common import EXERCISE_OPTION
from orchestrator.cli.errors import stderr
from orchestrator.cli.output import line
from orchestrator.cli.scored import read_events, record_event, scored_exercise
from orchestrator.errors import InvalidInputError
from orchestrator.events.kinds import (
    ChecksVoided,
    InjectVoided,
    PenaltyApplied,
    ReportVoided,
    Ruling,
)
from orchestrator.plan.model import Plan
from orchestrator.scenario.types import parse_duration
from orchestrator.state import ExerciseState
from scoring.facts import read_facts
from scoring.report.document import exercise_status
from scoring.scoreboard import score_exercise

SHOWN = 12  # known names listed in a hint, at most
REASON = click.option("--reason", required=True,
                      help="Why, in one line; shown in the ledger and the report.")


def _one_of(kind: str, value: str, known: list[str]) -> str:
    if value in known:
        return value
    close = difflib.get_close_matches(value, known, n=1)
    listed = ", ".join(known[:SHOWN]) + (f" and {len(known) - SHOWN} more"
                                          if len(known) > SHOWN else "")
    raise InvalidInputError(f"no {kind} '{value}' in this exercise",
                            f"did you mean '{close[0]}'?" if close else f"{kind}s: {listed}")


def _team(plan: Plan, team: str | None) -> str | None:
    return None if team is None else _one_of("team", team, [t.team for t in plan.teams])


def _seconds(option: str, value: str) -> int:
    try:
        return int(parse_duration(value.strip()))
    except ValueError as exc:
        raise InvalidInputError(f"{option}: {exc}",
                                "exercise time like 90s, 25m or 1h10m") from None


def _totals(state: ExerciseState, plan: Plan) -> dict[str, float]:
    _ledger, board = score_exercise(plan, read_events(state))
    return {team.team: team.total for team in board.teams}


def _record(state: ExerciseState, plan: Plan, what: str, ruling: Ruling) -> None:
    """Record the ruling, then say what it changed, team by team."""
    if not ruling.reason.strip():
        raise InvalidInputError("--reason is empty", "say why, in one line")
    before = _totals(state, plan)
    seq = record_event(state, ruling)
    after = _totals(state, plan)
    stderr.print(line(f"recorded {what} (event {seq})"))
    for team_id, total in after.items():
        change = round(total - before[team_id], 2)
        note = f"{change:+g}" if change else "no change"
        stderr.print(line(f"  {team_id}: {before[team_id]:g} -> {total:g} ({note})"))


@click.group("void")
def void_group() -> None:
    """Void an inject, a window of checks or an incident report (white cell); every
    score is recomputed."""


@void_group.command("inject")
@click.argument("name")
@click.option("--team", help="Only this team's copy (default: every team's).")
@REASON
@EXERCISE_OPTION
def void_inject(name: str, team: str | None, reason: str, exercise: str | None) -> None:
    """Void inject NAME: its defence and detection lines count nothing."""
    state, plan = scored_exercise(exercise)
    inject = _one_of("inject", name, [i.name for t in plan.teams[:1] for i in t.injects])
    team_id = _team(plan, team)
    _record(state, plan, f"void of inject {inject} for {team_id or 'every team'}",
            InjectVoided(team=team_id, inject=inject, reason=reason.strip()))


@void_group.command("report")
@click.argument("report_id", metavar="ID")
@click.option("--team", help="The team that filed it (needed only if two teams used the id).")
@REASON
@EXERCISE_OPTION
def void_report(report_id: str, team: str | None, reason: str, exercise: str | None) -> None:
    """Void incident report ID: judged as if never filed (no points, no penalty)."""
    state, plan = scored_exercise(exercise)
    team_id = _team(plan, team)
    teams = {t.team for t in plan.teams} if team_id is None else {team_id}
    filed = [r for r in read_facts(read_events(state)).reports if r.team in teams]
    if not filed:
        raise InvalidInputError(f"no incident report was filed{f' by {team_id}' if team else ''}",
                                "rangectl report lists the reports, and the files rejected")
    report = _one_of("report", report_id, sorted({r.id for r in filed}))
    by = sorted({r.team for r in filed if r.id == report})
    if len(by) > 1:
        raise InvalidInputError(f"teams {' and '.join(by)} each filed a report '{report}'",
                                "name one: " + " or ".join(f"--team {t}" for t in by))
    _record(state, plan, f"void of report {report} of {by[0]}",
            ReportVoided(team=by[0], id=report, reason=reason.strip()))


@void_group.command("checks")
@click.option("--from", "start", required=True, help="Exercise time the window starts, e.g. 25m.")
@click.option("--to", "end", required=True, help="Exercise time it ends (included), e.g. 31m.")
@click.option("--team", help="Only this team (default: every team).")
@click.option("--check", help="Only this check, as HOST/SERVICE (default: every check).")
@REASON
@EXERCISE_OPTION
def void_checks(start: str, end: str, team: str | None, check: str | None, reason: str,
                exercise: str | None) -> None:
    """Void the check results of a window: no availability points, no outage penalty."""
    state, plan = scored_exercise(exercise)
    first, last = _seconds("--from", start), _seconds("--to", end)
    if last < first:
        raise InvalidInputError(f"--to {end} is before --from {start}",
                                "give the window's start first")
    team_id = _team(plan, team)
    if check is not None:
        check = _one_of("check", check, sorted({c.check_id for t in plan.teams
                                                for c in t.checks}))
    _record(state, plan, f"void of {check or 'every check'} for {team_id or 'every team'} "
            f"from {first} s to {last} s", ChecksVoided(team=team_id, start=first, end=last,
                                                         check=check, reason=reason.strip()))


@click.command("penalize")
@click.argument("team")
@click.option("--rule", default="out_of_scope_action", show_default=True,
              help="A penalty rule the scenario lists under scoring.penalties.")
@click.option("--at", "at", help="Exercise time it happened (default: now in the exercise).")
@REASON
@EXERCISE_OPTION
def penalize_command(team: str, rule: str, at: str | None, reason: str,
                     exercise: str | None) -> None:
    """Take a penalty rule's points from TEAM (white cell), with the reason."""
    state, plan = scored_exercise(exercise)
    team_id = _team(plan, team)
    if rule not in plan.scoring.penalties:
        raise InvalidInputError(
            f"the scenario has no penalty rule '{rule}'",
            f"add it under scoring.penalties, e.g. - {{rule: {rule}, points: 25}}"
            if not plan.scoring.penalties else
            "rules: " + ", ".join(sorted(plan.scoring.penalties)))
    t = _seconds("--at", at) if at \
        else float(exercise_status(read_events(state), plan.duration)["t"])
    _record(state, plan, f"{rule} penalty for {team_id}",
            PenaltyApplied(team=team_id, rule=rule, t=t, reason=reason.strip()))
