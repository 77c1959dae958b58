"""score, report, void and penalize as a white cell runs them, on a recorded exercise.

No Docker here: the commands read only the exercise's plan and events, which
tests/unit/scoring/golden.py lays out in a state directory as `up` and `run`
leave them.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.cli import RANGECTL, rangectl
from tests.unit.scoring.golden import golden_exercise


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    golden_exercise(tmp_path)
    return tmp_path


def score_json(state_dir: Path) -> dict[str, Any]:
    result = rangectl("score", "-o", "json", state_dir=state_dir)
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def report_json(state_dir: Path) -> dict[str, Any]:
    result = rangectl("report", "-o", "json", "--out", "-", state_dir=state_dir)
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


class StandingsParser(HTMLParser):
    """The final-standings table of the HTML report, as {team: [cells]}."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, list[str]] = {}
        self.team: str | None = None
        self.in_table = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table" and found.get("class") == "standings":
            self.in_table = True
        elif tag == "tr" and self.in_table and found.get("data-team"):
            self.team = str(found["data-team"])
            self.rows[self.team] = []
        elif tag == "td" and self.team:
            self.rows[self.team].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.in_table, self.team = False, None

    def handle_data(self, data: str) -> None:
        if self.team and self.rows[self.team]:
            self.rows[self.team][-1] += data.strip()


def test_score_report_json_and_html_agree(state_dir: Path) -> None:
    board = score_json(state_dir)
    report = report_json(state_dir)
    assert report["standings"] == board["teams"]
    html = rangectl("report", "--out", str(state_dir / "report.html"), state_dir=state_dir)
    assert html.returncode == 0, html.stderr
    assert html.stdout.strip() == str(state_dir / "report.html")
    parser = StandingsParser()
    parser.feed((state_dir / "report.html").read_text(encoding="utf-8"))
    for team in board["teams"]:
        cells = parser.rows[team["team"]]
        assert cells[0] == str(team["rank"])
        assert cells[1] == team["name"]
        assert [float(c) for c in cells[2:]] == [*team["categories"].values(), team["total"]]


def test_each_total_is_the_sum_of_its_ledger_lines(state_dir: Path) -> None:
    report = report_json(state_dir)
    for team in report["standings"]:
        lines = [line for line in report["ledger"] if line["team"] == team["team"]]
        assert team["total"] == pytest.approx(sum(line["points"] for line in lines))
        assert team["lines"] == len(lines)
    assert {team["team"]: team["total"] for team in report["standings"]} \
        == {"tallinn": 63.51, "ottawa": 49.0}


def test_the_score_table_shows_ranks_and_totals(state_dir: Path) -> None:
    result = rangectl("score", state_dir=state_dir)
    assert result.returncode == 0, result.stderr
    assert "exercise scoring-golden · finished" in result.stdout
    tallinn = next(line for line in result.stdout.splitlines() if "Tallinn" in line)
    assert re.search(r"1 .*Tallinn Blue Team .*29 .*20 .*29\.51 .*-15 .*63\.51", tallinn)


def test_voiding_an_inject_changes_only_its_lines_and_is_in_the_report(state_dir: Path) -> None:
    before = report_json(state_dir)["ledger"]
    result = rangectl("void", "inject", "scan", "--team", "ottawa", "--reason",
                      "red host misconfigured", state_dir=state_dir)
    assert result.returncode == 0, result.stderr
    assert "ottawa: 49 -> 11.5 (-37.5)" in result.stderr
    assert "tallinn: 63.51 -> 63.51 (no change)" in result.stderr
    after = report_json(state_dir)
    changed = [(old, new) for old, new in zip(before, after["ledger"], strict=True)
               if old != new]
    assert changed
    assert all((new["team"], new["subject"]) == ("ottawa", "scan") for _old, new in changed)
    assert all(new["void"] == "red host misconfigured" for _old, new in changed)
    cell = next(row for row in after["injects"] if row["inject"] == "scan")["teams"]["ottawa"]
    assert cell["void"] == "red host misconfigured"
    html = rangectl("report", "--out", "-", state_dir=state_dir).stdout
    assert "voided: red host misconfigured" in html


def test_voiding_a_check_window_and_applying_a_penalty(state_dir: Path) -> None:
    result = rangectl("void", "checks", "--team", "ottawa", "--check", "files/ssh",
                      "--from", "1m", "--to", "80s", "--reason", "host maintenance",
                      state_dir=state_dir)
    assert result.returncode == 0, result.stderr
    assert "ottawa: 49 -> 54 (+5)" in result.stderr  # the outage penalty is gone
    result = rangectl("penalize", "tallinn", "--reason", "attacked the scorebot",
                      "--at", "100s", state_dir=state_dir)
    assert result.returncode == 0, result.stderr
    assert "tallinn: 63.51 -> 38.51 (-25)" in result.stderr
    lines = [line for line in report_json(state_dir)["ledger"]
             if line["subject"] == "out_of_scope_action" and line["team"] == "tallinn"]
    assert [(line["points"], line["t"]) for line in lines] == [(-25.0, 100.0)]
    assert "attacked the scorebot" in lines[0]["reason"]


@pytest.mark.parametrize(("args", "message", "hint"), [
    (("void", "inject", "scna", "--reason", "x"), "no inject 'scna'", "did you mean 'scan'?"),
    (("void", "inject", "scan", "--team", "otawa", "--reason", "x"), "no team 'otawa'",
     "did you mean 'ottawa'?"),
    (("void", "inject", "scan", "--reason", " "), "--reason is empty", "say why"),
    (("void", "checks", "--from", "5x", "--to", "6m", "--reason", "x"), "--from:",
     "exercise time like"),
    (("void", "checks", "--from", "6m", "--to", "5m", "--reason", "x"), "is before --from",
     "start first"),
    (("void", "checks", "--from", "1m", "--to", "2m", "--check", "web/htp", "--reason", "x"),
     "no check 'web/htp'", "did you mean 'web/http'?"),
    (("penalize", "ottawa", "--rule", "scorebot_down", "--reason", "x"),
     "no penalty rule 'scorebot_down'", "rules: false_report"),
    (("report", "--out", "report.pdf"), "cannot tell the report format", ".html, .md or .json"),
    (("score", "--exercise", "nope"), "no exercise 'nope'", "rangectl exercises"),
])
def test_bad_rulings_are_refused_with_a_fix(state_dir: Path, args: tuple[str, ...],
                                            message: str, hint: str) -> None:
    before = report_json(state_dir)["ledger"]
    result = rangectl(*args, state_dir=state_dir)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert hint in result.stderr
    assert "Traceback" not in result.stderr
    assert report_json(state_dir)["ledger"] == before


def test_markdown_report_and_default_path(state_dir: Path) -> None:
    result = rangectl("report", "-o", "md", state_dir=state_dir)
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path == state_dir / "exercises" / "scoring-golden" / "reports" / "scoring-golden.md"
    text = path.read_text(encoding="utf-8")
    assert "| 1 | Tallinn Blue Team | 29 | 20 | 29.51 | -15 | **63.51** |" in text
    assert "2026-11-24 16:01:00 Tallinn" in text  # report b1, in Tallinn's own time
    assert "2026-11-24 09:00:30 Toronto" in text  # report a1, in Ottawa's


def test_scoring_without_an_exercise_says_how_to_get_one(tmp_path: Path) -> None:
    result = rangectl("score", state_dir=tmp_path)
    assert result.returncode == 2
    assert "there is no exercise" in result.stderr
    assert "rangectl up FILE" in result.stderr


@pytest.mark.timeout(60)
def test_score_watch_prints_a_line_per_change(state_dir: Path) -> None:
    process = subprocess.Popen(
        [str(RANGECTL), "score", "--watch", "-o", "json", "--interval", "0.2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "RANGECTL_STATE_DIR": str(state_dir)})
    try:
        assert process.stdout is not None
        first = json.loads(process.stdout.readline())
        assert [t["total"] for t in first["teams"]] == [63.51, 49.0]
        rangectl("penalize", "tallinn", "--reason", "attacked the scorebot", "--at", "100s",
                 state_dir=state_dir)
        second = json.loads(process.stdout.readline())
        assert [(t["team"], t["total"]) for t in second["teams"]] == [
            ("ottawa", 49.0), ("tallinn", 38.51)]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    assert process.returncode == 0
