"""`rangectl score`: the scoreboard, once or live (`--watch`)."""

from __future__ import annotations

import json
import time

import click
from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from orchestrator.cli.common import EXERCISE_OPTION
from orchestrator.cli.output import cell, console, line
from orchestrator.exercise.scored import Document, LiveDocument, live_scoreboard, open_scored
from scoring.report.render import clock


def scoreboard_view(document: Document) -> Group:
    """The scoreboard document as a terminal shows it: a status line and the table."""
    status = document["status"]
    head = line(f"exercise {document['exercise']} · {status['state']} · "
                f"{clock(status['t'])} of {clock(document['duration'])} · "
                f"tick {max(status['last_tick'], 0)}")
    table = Table("rank")
    table.add_column("team", no_wrap=True)
    for column in (*document["categories"], "total"):
        table.add_column(column, justify="right")
    for team in document["teams"]:
        table.add_row(cell(team["rank"]), cell(team["name"]),
                      *(cell(f"{team['categories'][c]:g}") for c in document["categories"]),
                      Text(f"{team['total']:g}", style="bold"))
    return Group(head, table)


@click.command("score")
@EXERCISE_OPTION
@click.option("--output", "-o", "output", type=click.Choice(["table", "json"]), default="table")
@click.option("--watch", is_flag=True, help="Keep the scoreboard live until Ctrl-C.")
@click.option("--interval", type=click.FloatRange(0.2, 3600), default=2.0, show_default=True,
              help="With --watch: seconds between updates.")
def score_command(exercise: str | None, output: str, watch: bool, interval: float) -> None:
    """Show the scoreboard: each team's points per category, total and rank.

    Scores are recomputed from the exercise's events each time: every figure is
    the sum of ledger lines that `rangectl report` lists.
    """
    board = live_scoreboard(open_scored(exercise))
    seq, document = board.snapshot()
    if not watch:
        if output == "json":
            click.echo(json.dumps(document, indent=2))
        else:
            shown = console()
            if not shown.is_terminal:  # piped or under make: no 80-column cut-off
                shown = console(width=120)
            shown.print(scoreboard_view(document))
        return
    try:
        if output == "json":
            _follow_json(board, document, interval)
        _follow_table(board, seq, document, interval)
    except KeyboardInterrupt:
        return


def _follow_json(board: LiveDocument, document: Document, interval: float) -> None:
    """One line per change, for other tools to follow."""
    last = json.dumps(document, sort_keys=True)
    click.echo(last)
    while True:
        time.sleep(interval)
        # rescored only when events were appended; printed only when it changed
        text = json.dumps(board.snapshot()[1], sort_keys=True)
        if text != last:
            click.echo(last := text)


def _follow_table(board: LiveDocument, seq: int, document: Document, interval: float) -> None:
    """The table, redrawn in place whenever events were appended."""
    with Live(scoreboard_view(document), console=console(), auto_refresh=False) as live:
        while True:
            time.sleep(interval)
            latest, document = board.snapshot()
            if latest != seq:
                seq = latest
                live.update(scoreboard_view(document), refresh=True)
