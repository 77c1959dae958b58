"""The report document written out as JSON, Markdown or one self-contained HTML file."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from orchestrator.errors import one_line
from scoring.report.charts import availability_chart, score_chart, team_colour
from scoring.report.document import local_time

FORMATS = ("html", "md", "json")


def clock(seconds: float | None) -> str:
    """Exercise time as T+H:MM:SS (or T+MM:SS under an hour)."""
    if seconds is None:
        return ""
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    return f"T+{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours \
        else f"T+{rest // 60:02d}:{rest % 60:02d}"


def utc(stamp: str) -> str:
    return stamp[:19].replace("T", " ") + " UTC" if stamp else ""


def local(stamp: str, zone: str) -> str:
    converted = local_time(stamp, zone)
    place = zone.rsplit("/", maxsplit=1)[-1].replace("_", " ")
    return f"{converted[:19].replace('T', ' ')} {place}" if converted else ""


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!~])")


def markdown_text(value: object) -> str:
    """`value` as Markdown that shows exactly this text, on one line of a table.

    Team names, incident reports and check details (which quote what a service
    answered) reach the Markdown report; a viewer would otherwise render their
    `<img onerror=...>` as HTML, `[x](url)` as a link, or `|` as a new cell; and a
    terminal showing it (`report -o -`) would obey its escape sequences.
    """
    text = one_line(" ".join(str(value).splitlines()))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def render_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, sort_keys=True) + "\n"


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("scoring.report", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(clock=clock, utc=utc, local=local, pts=lambda v: f"{v:g}",
                       md=markdown_text)
    return env


def _lines_by(report: dict[str, Any]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    grouped: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for line in report["ledger"]:
        grouped[line["team"]][line["category"]].append(line)
    return grouped


def _context(report: dict[str, Any]) -> dict[str, Any]:
    names = {team["team"]: team["name"] for team in report["teams"]}
    ticks = max(1, report["duration"] // report["tick"] + 1)
    return {
        "r": report,
        "names": names,
        "zones": {team["team"]: team["timezone"] for team in report["teams"]},
        "colours": {team["team"]: team_colour(i) for i, team in enumerate(report["teams"])},
        "score_svg": score_chart(report["score_over_time"], names),
        "availability_svg": {team: availability_chart(
            rows, ticks, resets=[reset for reset in report.get("resets", [])
                                 if reset["team"] == team])
                             for team, rows in report["availability"].items()},
        "lines": _lines_by(report),
    }


def render_html(report: dict[str, Any]) -> str:
    return _environment().get_template("report.html.j2").render(**_context(report))


def render_markdown(report: dict[str, Any]) -> str:
    env = _environment()
    env.autoescape = False
    return env.get_template("report.md.j2").render(**_context(report))


def render(report: dict[str, Any], form: str) -> str:
    if form == "json":
        return render_json(report)
    if form == "md":
        return render_markdown(report)
    return render_html(report)
