"""`rangectl report`: the after-action report, as one HTML file, Markdown or JSON."""

from __future__ import annotations

from pathlib import Path

import click

from orchestrator.cli.common import EXERCISE_OPTION
from orchestrator.cli.errors import stderr
from orchestrator.cli.output import line
from orchestrator.cli.scored import read_events, scored_exercise
from orchestrator.errors import InvalidInputError
from orchestrator.state import write_atomically
from scoring.report.document import build_report
from scoring.report.render import FORMATS, render

_SUFFIXES = {".html": "html", ".htm": "html", ".md": "md", ".json": "json"}


def _format(given: str | None, output: str | None) -> str:
    if given:
        return given
    if output and output != "-":
        suffix = Path(output).suffix.lower()
        if suffix not in _SUFFIXES:
            raise InvalidInputError(f"cannot tell the report format from '{output}'",
                                    "name it .html, .md or .json, or give --format")
        return _SUFFIXES[suffix]
    return "html"


@click.command("report")
@EXERCISE_OPTION
@click.option("--format", "form", type=click.Choice(FORMATS),
              help="html (default; one self-contained file), md or json.")
@click.option("--output", "-o", "output",
              help="File to write ('-': standard output; default: the exercise's reports/).")
def report_command(exercise: str | None, form: str | None, output: str | None) -> None:
    """Write the after-action report: standings, score over time, availability,
    inject outcomes, time to detect, ATT&CK coverage, incident reports and the
    ledger lines behind every figure."""
    chosen = _format(form, output)
    state, plan = scored_exercise(exercise)
    text = render(build_report(plan, read_events(state)), chosen)
    if output == "-":
        click.echo(text, nl=False)
        return
    path = Path(output) if output else \
        state.directory / "reports" / f"{state.exercise}.{chosen}"
    write_atomically(path, text)
    stderr.print(line(f"wrote the {chosen} report of exercise {state.exercise}:"))
    click.echo(str(path.resolve()))
