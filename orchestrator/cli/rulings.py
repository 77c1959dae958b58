"""White-cell rulings after the fact: void an inject, a check window or an incident
report, apply a penalty (orchestrator/exercise/rulings.py checks and records them).

Each command parses its options, asks for the ruling, and says what it changed,
team by team. Rulings need no running exercise and no Docker engine.
"""

from __future__ import annotations

import click

from orchestrator.cli.common import EXERCISE_OPTION
from orchestrator.cli.errors import stderr
from orchestrator.cli.output import line
from orchestrator.exercise import rulings
from orchestrator.exercise.scored import open_scored

REASON = click.option("--reason", required=True,
                      help="Why, in one line; shown in the ledger and the report.")


def _say(recorded: rulings.RulingRecorded) -> None:
    """What the ruling was, and every team's total before and after it."""
    stderr.print(line(f"recorded {recorded.what} (event {recorded.seq})"))
    for team_id, total in recorded.after.items():
        change = recorded.change(team_id)
        note = f"{change:+g}" if change else "no change"
        stderr.print(line(f"  {team_id}: {recorded.before[team_id]:g} -> {total:g} ({note})"))


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
    _say(rulings.void_inject(open_scored(exercise), name, team, reason))


@void_group.command("report")
@click.argument("report_id", metavar="ID")
@click.option("--team", help="The team that filed it (needed only if two teams used the id).")
@REASON
@EXERCISE_OPTION
def void_report(report_id: str, team: str | None, reason: str, exercise: str | None) -> None:
    """Void incident report ID: judged as if never filed (no points, no penalty)."""
    _say(rulings.void_report(open_scored(exercise), report_id, team, reason))


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
    _say(rulings.void_checks(open_scored(exercise), start, end, team, check, reason))


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
    _say(rulings.penalize(open_scored(exercise), team, rule, at, reason))
