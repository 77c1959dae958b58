"""Charts as inline SVG, drawn here rather than by a script in the page.

The report must open anywhere it is mailed to (a mail client, an offline
laptop, a printer), so its charts are plain SVG markup with no JavaScript and
no fonts or libraries fetched from anywhere.
"""

from __future__ import annotations

from html import escape
from typing import Any

TEAM_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22")
RESULT_COLOURS = {"ok": "#2e9d4f", "degraded": "#f0a830", "down": "#d23c3c",
                  "error": "#9a9a9a", "void": "#d9d9f3", "missing": "#ffffff"}


def team_colour(index: int) -> str:
    return TEAM_COLOURS[index % len(TEAM_COLOURS)]


def _nice_step(span: float, count: int = 5) -> float:
    raw = max(span, 1e-9) / count
    magnitude = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 1.0
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return float(factor * magnitude)
    return float(10 * magnitude)


def score_chart(series: dict[str, list[list[float]]], names: dict[str, str],
                width: int = 860, height: int = 300) -> str:
    """Each team's running total over exercise time, one line per team."""
    left, right, top, bottom = 56, 230, 16, 36
    values = [0.0, 1.0, *(v for points in series.values() for _t, v in points)]
    low, high = min(values), max(values)
    end = max([1.0, *(t for points in series.values() for t, _v in points)])
    plot_w, plot_h = width - left - right, height - top - bottom

    def x(t: float) -> float:
        return left + plot_w * t / end

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - low) / (high - low))

    parts = [f'<svg class="chart score-chart" role="img" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
             "<title>Score over time per team</title>"]
    step = _nice_step(high - low)
    tick = (low // step) * step
    while tick <= high + 1e-9:
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" '
                     f'y2="{y(tick):.1f}" stroke="#e4e4e4"/>'
                     f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" '
                     f'font-size="11">{tick:g}</text>')
        tick += step
    minutes = _nice_step(end / 60, 6)
    mark = 0.0
    while mark * 60 <= end + 1e-9:
        parts.append(f'<text x="{x(mark * 60):.1f}" y="{height - 14}" text-anchor="middle" '
                     f'font-size="11">{mark:g}</text>')
        mark += minutes
    parts.append(f'<text x="{left + plot_w / 2:.0f}" y="{height - 1}" text-anchor="middle" '
                 'font-size="11">exercise time (minutes)</text>')
    parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(0):.1f}" y2="{y(0):.1f}" '
                 'stroke="#888"/>')
    for index, (team, points) in enumerate(series.items()):
        colour = team_colour(index)
        path = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in points)
        parts.append(f'<polyline class="series" data-team="{escape(team)}" points="{path}" '
                     f'fill="none" stroke="{colour}" stroke-width="3"/>')
        label_y = top + 18 * index + 10
        final = points[-1][1] if points else 0
        parts.append(f'<rect x="{left + plot_w + 12}" y="{label_y - 8}" width="14" height="4" '
                     f'fill="{colour}"/><text x="{left + plot_w + 30}" y="{label_y}" '
                     f'font-size="12">{escape(names.get(team, team))} ({final:g})</text>')
    parts.append("</svg>")
    return "".join(parts)


def availability_chart(rows: dict[str, list[Any]], ticks: int, width: int = 860,
                       resets: list[dict[str, Any]] | None = None) -> str:
    """One team's checks, one strip per check, coloured by each tick's result; a reset
    of a host is a black bar across its checks' strips at the tick it began."""
    label_w, row_h, gap = 210, 16, 4
    plot_w = width - label_w - 10
    height = (row_h + gap) * max(1, len(rows)) + 4
    cell = plot_w / max(1, ticks)
    parts = [f'<svg class="chart availability-chart" role="img" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg">',
             "<title>Availability per service per tick</title>"]
    for row_index, (check, results) in enumerate(rows.items()):
        top = row_index * (row_h + gap) + 2
        parts.append(f'<text x="{label_w - 8}" y="{top + 12}" text-anchor="end" '
                     f'font-size="11">{escape(check)}</text>')
        parts.append(f'<rect x="{label_w}" y="{top}" width="{plot_w:.1f}" height="{row_h}" '
                     'fill="#ffffff" stroke="#ccc"/>')
        for start, end, result in _runs(results):
            colour = RESULT_COLOURS.get(result, "#000")
            parts.append(f'<rect x="{label_w + start * cell:.2f}" y="{top}" '
                         f'width="{max(cell * (end - start + 1), 0.5):.2f}" height="{row_h}" '
                         f'fill="{colour}"><title>{escape(check)} ticks {start}-{end}: '
                         f'{escape(result)}</title></rect>')
        for reset in resets or []:
            if check.startswith(f"{reset['host']}/"):
                left = label_w + min(int(reset["tick"]), max(0, ticks - 1)) * cell
                parts.append(f'<rect class="reset-marker" x="{left:.2f}" y="{top - 2}" '
                             f'width="3" height="{row_h + 4}" fill="#111"><title>'
                             f'{escape(reset["host"])} reset at tick {int(reset["tick"])}: '
                             f'{escape(reset["reason"])}</title></rect>')
    parts.append("</svg>")
    return "".join(parts)


def _runs(results: list[Any]) -> list[tuple[int, int, str]]:
    """Consecutive ticks with the same result, as (first tick, last tick, result)."""
    runs: list[tuple[int, int, str]] = []
    for tick, result, voided in sorted(results):
        shown = "void" if voided else str(result)
        if runs and runs[-1][2] == shown and runs[-1][1] == tick - 1:
            runs[-1] = (runs[-1][0], tick, shown)
        else:
            runs.append((tick, tick, shown))
    return runs
