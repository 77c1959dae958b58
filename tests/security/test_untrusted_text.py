"""Untrusted text is shown as the text it is: in the terminal, the reports and the live page.

Before: rich read every printed string as markup, so `--teams '[/x]'` (or a
team name, an inject name, a user name sshd logged) crashed the CLI with exit
1 and a traceback, `[bold]x` printed `x` and `:smile:` an emoji; the HTML
report's availability chart printed a stored check result unescaped, and the
Markdown report passed team names, incident reports and check details
through as Markdown (and HTML).
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrator.events.store import EventStore
from orchestrator.plan import plan_loaded
from orchestrator.scenario.loader import load_scenario
from orchestrator.scorebot import _outcome
from orchestrator.state import ExerciseRecord, ExerciseState
from scoring.live import live_view
from scoring.report.document import build_report
from tests.conftest import SCENARIOS
from tests.e2e.cli import rangectl
from tests.unit.scoring.golden import GOLDEN, golden_events

HOSTILE_NAME = "[/x] [bold]Ottawa[/bold] :smile: <img src=x onerror=alert(1)>"
HOSTILE_USER = "[/x] :smile: \x1b[31mred"
HOSTILE_DETAIL = "[/x] <script>alert(2)</script> | [link](javascript:alert(3))"
TERMINAL_ESCAPES = "\x1b]0;PWNED\x07\x1b[2J\x1b[31mRED \u202eesrever"
HOSTILE_RESULT = "<img src=x onerror=alert(4)>"


def assert_clean(result: Any, code: int) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr


@pytest.mark.parametrize(("args", "quoted"), [
    (("plan", str(SCENARIOS / "quickstart.yml"), "--teams", "[/x]"), "no team '[/x]'"),
    (("plan", str(SCENARIOS / "quickstart.yml"), "--teams", "[bold]x:smile:"),
     "no team '[bold]x:smile:'"),
    (("report", "-o", "x[/y].pdf"), "cannot tell the report format from 'x[/y].pdf'"),
    (("void", "inject", "[/x]", "--reason", "r"), "no inject '[/x]'"),
    (("penalize", "[/x]", "--reason", "r"), "no team '[/x]'"),
])
def test_markup_in_a_flag_is_a_clean_invalid_input(hostile_state: Path, args: tuple[str, ...],
                                                   quoted: str) -> None:
    result = rangectl(*args, state_dir=hostile_state)
    assert_clean(result, 2)
    assert quoted in result.stderr


def test_a_valid_file_named_like_markup_is_named_as_it_is(tmp_path: Path) -> None:
    folder = tmp_path / "["
    folder.mkdir()
    shutil.copy(SCENARIOS / "quickstart.yml", folder / "x].yml")
    result = rangectl("validate", str(folder / "x].yml"))
    assert_clean(result, 0)
    assert f"ok {tmp_path}/[/x].yml: scenario 'quickstart'" in result.stderr


@pytest.fixture
def hostile_state(tmp_path: Path) -> Path:
    """The scoring golden exercise, with markup and HTML in a team name, a check's
    result and detail, an incident report and a refused user name."""
    scenario = yaml.safe_load((GOLDEN / "scenario.yml").read_text(encoding="utf-8"))
    scenario["teams"][0]["name"] = HOSTILE_NAME
    path = tmp_path / "scenario.yml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")
    plan = plan_loaded(load_scenario(path))
    state = ExerciseState(plan.exercise, root=tmp_path)
    state.save_record(ExerciseRecord(plan.exercise, plan.scenario, str(path),
                                     tuple(team.team for team in plan.teams)))
    state.save_plan(plan)
    events = golden_events()
    extra = [("check.completed", "ottawa", "web",
              {"service": "http", "tick": 11, "t": 110, "result": HOSTILE_RESULT,
               "detail": HOSTILE_DETAIL, "elapsed": 0.01}),
             ("check.completed", "ottawa", "files",
              {"service": "ssh", "tick": 11, "t": 110, "result": "degraded",
               "detail": TERMINAL_ESCAPES, "elapsed": 0.01}),
             ("incident.reported", "ottawa", "web",
              {"t": 110, "id": "[/x]", "technique": "T1046", "indicators": ["<b>x</b>"],
               "reporter": "[bold]eve", "seen": "2026-11-24T14:00:00+00:00",
               "filed": "2026-11-24T14:00:00+00:00", "summary": HOSTILE_DETAIL}),
             ("trainee.login_refused", "ottawa", "bastion",
              {"at": "2026-11-24T14:01:50.000000000Z", "user": HOSTILE_USER,
               "reason": "no such user", "source": "172.18.0.1", "port": "50000"})]
    EventStore(state.events_path).close()
    with sqlite3.connect(state.events_path) as db:
        db.executemany("INSERT INTO events (seq, time, kind, team, host, data) "
                       "VALUES (?, ?, ?, ?, ?, ?)",
                       [(e.seq, e.time, e.kind, e.team, e.host, json.dumps(e.data))
                        for e in events]
                       + [(len(events) + n + 1, "2026-11-24T14:01:50.000+00:00", kind, team,
                           host, json.dumps(data)) for n, (kind, team, host, data)
                          in enumerate(extra)])
    return tmp_path


def test_the_scoreboard_prints_a_team_name_literally(hostile_state: Path) -> None:
    result = rangectl("score", state_dir=hostile_state)
    assert_clean(result, 0)
    assert HOSTILE_NAME in result.stdout


def test_the_markdown_report_shows_untrusted_text_as_text(hostile_state: Path) -> None:
    result = rangectl("report", "-o", "md", "--out", "-", state_dir=hostile_state)
    assert_clean(result, 0)
    assert r"\[/x\] \[bold\]Ottawa\[/bold\] :smile: \<img src=x onerror=alert(1)\>" \
        in result.stdout
    assert r"\<script\>alert(2)\</script\> \| \[link\](javascript:alert(3))" in result.stdout
    assert not re.search(r"(?<!\\)<(img|script)", result.stdout)


def test_the_html_report_and_live_page_escape_untrusted_text(hostile_state: Path) -> None:
    result = rangectl("report", "-o", "html", "--out", "-", state_dir=hostile_state)
    assert_clean(result, 0)
    assert "&lt;img src=x onerror=alert(4)&gt;" in result.stdout  # the stored result
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in result.stdout
    assert not re.search(r"<(img|script)\b", result.stdout)
    state = ExerciseState("scoring-golden", root=hostile_state)
    plan = state.load_plan()
    assert plan is not None
    store = EventStore(state.events_path)
    view = live_view(build_report(plan, list(store.read()), full=False))
    store.close()
    assert "&lt;img src=x onerror=alert(1)&gt;" in view["chart"]  # set as innerHTML
    assert not re.search(r"<(img|script)\b", view["chart"])


@pytest.mark.docker
def test_logins_print_a_user_name_literally(hostile_state: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # one table row per login
    result = rangectl("logins", "--exercise", "scoring-golden", state_dir=hostile_state)
    assert_clean(result, 0)
    assert "[/x] :smile: \\x1b[31mred" in result.stdout
    assert "\x1b[31m" not in result.stdout


def test_reports_printed_to_a_terminal_carry_no_escape_sequences(hostile_state: Path) -> None:
    # A check detail quotes what a service (a team's) answered; one stored before
    # details were escaped must not set the title or clear the screen of the
    # instructor who prints the report.
    for output in ("md", "json"):
        result = rangectl("report", "-o", output, "--out", "-", state_dir=hostile_state)
        assert_clean(result, 0)
        assert "\x1b" not in result.stdout
        assert "\u202e" not in result.stdout
    markdown = rangectl("report", "-o", "md", "--out", "-", state_dir=hostile_state).stdout
    assert "files/ssh degraded: " in markdown  # the ledger quotes the detail ...
    assert "x1b\\]0;PWNED" in markdown  # ... shown, escaped, not obeyed


def test_a_check_detail_is_escaped_where_the_runner_answer_enters() -> None:
    plan = plan_loaded(load_scenario(GOLDEN / "scenario.yml"))
    team = plan.teams[0]
    check = team.checks[0]
    outcome = _outcome(team.team, check, {"id": check.check_id, "result": "degraded",
                                          "detail": TERMINAL_ESCAPES + " flag=s3cret",
                                          "elapsed": 0.1}, {"flag": "s3cret"})
    assert outcome.detail.isprintable()
    assert "\\x1b]0;PWNED" in outcome.detail
    assert "<secret:flag>" in outcome.detail
