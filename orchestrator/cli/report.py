"""`rangectl report`: the after-action report, as one HTML file, Markdown or JSON."""

from __future__ import annotations

from pathlib import Path

import click

from orchestrator.cli.common import EXERCISE_OPTION, deprecated
from orchestrator.cli.errors import stderr
from orchestrator.cli.output import line
from orchestrator.errors import InvalidInputError
from orchestrator.exercise.scored import after_action_report, open_scored, report_path
from orchestrator.state import write_atomically
from scoring.report.render import FORMATS

_SUFFIXES = {".html": "html", ".htm": "html", ".md": "md", ".json": "json"}


def _legacy(output: str | None, out: str | None,
            form: str | None) -> tuple[str | None, str | None]:
    """The format and file once the old spellings are read: `--format FORMAT`
    and `-o FILE` (before -o/--output named the format in every command)."""
    if output is not None and output not in FORMATS:
        if output != "-" and not Path(output).suffix:
            raise InvalidInputError(f"-o/--output takes a format, not '{output}'",
                                    f"give one of {', '.join(FORMATS)}, "
                                    "or write a file with --out FILE")
        deprecated("-o FILE", "--out FILE")
        if out is not None:
            raise InvalidInputError("the report's file is given twice", "keep --out FILE")
        output, out = None, output
    if form is not None:
        deprecated("--format FORMAT", "-o/--output FORMAT")
        output = output or form
    return output, out


def _format(given: str | None, out: str | None) -> str:
    if given:
        return given
    if out and out != "-":
        suffix = Path(out).suffix.lower()
        if suffix not in _SUFFIXES:
            raise InvalidInputError(f"cannot tell the report format from '{out}'",
                                    "name it .html, .md or .json, or give -o FORMAT")
        return _SUFFIXES[suffix]
    return "html"


@click.command("report")
@EXERCISE_OPTION
@click.option("--output", "-o", "output", metavar="[html|md|json]",
              help="html (default, or told by --out's suffix; one self-contained file), "
                   "md or json.")
@click.option("--out", "out",
              help="File to write ('-': standard output; default: the exercise's reports/).")
@click.option("--format", "form", type=click.Choice(FORMATS), hidden=True)
def report_command(exercise: str | None, output: str | None, out: str | None,
                   form: str | None) -> None:
    """Write the after-action report: standings, score over time, availability,
    inject outcomes, time to detect, ATT&CK coverage, incident reports and the
    ledger lines behind every figure."""
    output, out = _legacy(output, out, form)
    chosen = _format(output, out)
    scored = open_scored(exercise)
    text = after_action_report(scored, chosen)
    if out == "-":
        click.echo(text, nl=False)
        return
    path = Path(out) if out else report_path(scored, chosen)
    write_atomically(path, text)
    stderr.print(line(f"wrote the {chosen} report of exercise {scored.name}:"))
    click.echo(str(path.resolve()))
