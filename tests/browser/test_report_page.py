"""The mailed HTML report, opened in a real browser: charts drawn, numbers linked."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from scoring.report.charts import RESULT_COLOURS, team_colour
from scoring.report.document import build_report
from scoring.report.render import render_html
from tests.browser.chromium import Chromium
from tests.unit.scoring.golden import golden_events, golden_plan


def colour_count(image: Image.Image, hex_colour: str, box: list[float]) -> int:
    """Pixels of `hex_colour` (give or take anti-aliasing) inside `box` of a screenshot."""
    wanted = [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]
    left, top, right, bottom = (int(v) for v in box)
    region = image.convert("RGB").crop((left, top, right, bottom))
    total = 0
    for count, colour in region.getcolors(maxcolors=1 << 20) or []:
        if isinstance(colour, tuple) and all(
                abs(a - b) <= 8 for a, b in zip(colour, wanted, strict=True)):
            total += count
    return total


def test_the_report_opens_with_its_charts_drawn(browser: Chromium, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_html(build_report(golden_plan(), golden_events())), encoding="utf-8")
    browser.open(page.as_uri())
    # The score chart: one line per team, drawn across the plot.
    widths = browser.evaluate(
        "[...document.querySelectorAll('svg.score-chart polyline.series')]"
        ".map(l => Math.round(l.getBoundingClientRect().width))")
    assert len(widths) == 2
    assert min(widths) > 400
    chart = browser.evaluate(
        "(() => { const r = document.querySelector('svg.score-chart').getBoundingClientRect();"
        " return [r.left, r.top + window.scrollY, r.right, r.bottom + window.scrollY]; })()")
    strips = browser.evaluate(
        "(() => { const r = document.querySelector('svg.availability-chart')"
        ".getBoundingClientRect(); return [r.left, r.top + window.scrollY, r.right,"
        " r.bottom + window.scrollY]; })()")
    shot = Image.open(browser.screenshot(tmp_path / "report.png"))
    for index in range(2):  # both teams' lines are on screen, in their colours
        assert colour_count(shot, team_colour(index), chart) > 300
    # The first team's availability strip shows ok, down and a voided window.
    for result in ("ok", "down", "void"):
        assert colour_count(shot, RESULT_COLOURS[result], strips) > 100


def test_every_standing_links_to_the_ledger_lines_behind_it(browser: Chromium,
                                                             tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_html(build_report(golden_plan(), golden_events())), encoding="utf-8")
    browser.open(page.as_uri())
    sums = browser.evaluate("""
      [...document.querySelectorAll('table.standings a')].map(a => {
        const target = document.querySelector(a.getAttribute('href'));
        const cells = [...target.querySelectorAll('tr[id^=line-] td:nth-child(6)')];
        return [Number(a.textContent),
                Math.round(100 * cells.reduce((s, td) => s + Number(td.textContent), 0)) / 100];
      })""")
    assert len(sums) == 10  # 2 teams x (4 categories + total)
    for shown, total_of_lines in sums:
        assert shown == total_of_lines
