"""Incident reports are trainees' words: none, of any shape, may stop scoring.

The report schema (scoring/incidents.py) is checked at collection and again
when a stored report is scored; scoring, the report and the live page must
survive whatever an older event store holds; and the white cell can void a
report (`rangectl void report`) as it voids an inject. No Docker here: the
scoring fixture stands in for a recorded exercise.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from orchestrator.events.store import EventStore
from orchestrator.state import ExerciseState
from scoring.incidents import MAX_BYTES, IncidentReport, ReportError, parse_report
from scoring.live import live_view
from scoring.report.document import build_report
from scoring.report.render import render
from tests.e2e.cli import rangectl, serving
from tests.unit.scoring.golden import golden_events, golden_exercise, golden_plan, with_event

GOOD = {"id": "1795560000-abcd", "reporter": "blue", "host": "files",
        "technique": "T1110.001", "indicators": ["10.128.0.92"],
        "seen": "2026-11-24T14:05:00+00:00", "filed": "2026-11-24T14:06:00+00:00",
        "summary": "ssh brute force on files"}
TOTALS = {"tallinn": 63.51, "ottawa": 49.0}  # the golden story's


def hostile(**changes: object) -> str:
    return json.dumps({**GOOD, **changes})


def test_a_report_the_incident_command_writes_is_accepted() -> None:
    assert parse_report(json.dumps(GOOD)) == IncidentReport(
        host="files", technique="T1110.001", indicators=("10.128.0.92",),
        summary="ssh brute force on files", reporter="blue",
        seen="2026-11-24T14:05:00+00:00", filed="2026-11-24T14:06:00+00:00",
        id="1795560000-abcd")
    assert parse_report('{"host": "10.0.0.5", "technique": "T1046"}').indicators == ()


@pytest.mark.parametrize(("text", "reason"), [
    (hostile(indicators=5), "'indicators' must be a list of strings, not a number"),
    (hostile(indicators=[{"a": 1}]), "'indicators' must be a list of strings, not of an object"),
    (hostile(indicators=["x"] * 33), "more than 32 indicators"),
    (hostile(indicators=["x" * 201]), "an indicator is longer than 200 characters"),
    (hostile(team="tallinn"), "unknown key 'team'"),
    (hostile(t=0), "unknown key 't'"),
    (hostile(kind="penalty.applied"), "unknown key 'kind'"),
    (hostile(host=["web"]), "'host' must be a string, not a list"),
    (hostile(host="web; rm -rf /"), "'host' is not a host name or address"),
    (hostile(technique="T1046 x"), "'technique' is not an ATT&CK id"),
    (hostile(summary="x" * 501), "'summary' is longer than 500 characters"),
    (hostile(summary="\x1b]0;owned\x07"), "'summary' holds control or invisible characters"),
    (hostile(summary="scan by \u202eevil\u202c"), "'summary' holds control or invisible"),
    (hostile(indicators=["10.0.0.\u200b5"]), "'indicators' holds control or invisible"),
    (hostile(summary="one\u2028two"), "'summary' holds control or invisible"),
    (hostile(seen="yesterday"), "'seen' is not an ISO time"),
    (hostile(reporter="white cell"), "'reporter' may hold only letters"),
    (json.dumps({k: v for k, v in GOOD.items() if k != "technique"}), "no 'technique'"),
    ("[" * 15000 + "]" * 15000, "nested too deeply"),
    ('{"a":' * 5000 + "1" + "}" * 5000, "nested too deeply"),
    ("[1, 2]", "a report is a JSON object, not a list"),
    ("{not json", "not JSON"),
    ('{"host": "web", "technique": "T1046", "summary": "' + "x" * MAX_BYTES + '"}',
     f"larger than {MAX_BYTES} bytes"),
])
def test_a_hostile_report_is_refused_with_its_reason(text: str, reason: str) -> None:
    with pytest.raises(ReportError) as refused:
        parse_report(text)
    assert reason in str(refused.value)
    assert "\n" not in str(refused.value)


# What an event store written before the schema may hold: the old collector
# stored any key of any type (each of these stopped `score` and `report`).
OLD_STORED: list[dict[str, Any]] = [
    {"id": "x1", "technique": "T1046", "indicators": 5, "t": 30},
    {"id": "x2", "technique": "T1046", "indicators": ["10.128.0.28"], "t": "soon"},
    {"id": "x3", "technique": "T1046", "indicators": [], "t": None},
    {"id": ["x4"], "technique": {"nested": [1]}, "summary": {"a": 1}, "t": 30},
]


def hostile_events() -> list[Any]:
    events = golden_events()
    for data in OLD_STORED:
        events = with_event(events, "incident.reported", "ottawa", "web", **data)
    return with_event(events, "incident.reported", "ottawa", None, id="x5", technique="T1046")


def test_scoring_the_report_and_the_live_view_survive_hostile_stored_reports() -> None:
    document = build_report(golden_plan(), hostile_events())
    assert {t["team"]: t["total"] for t in document["standings"]} == TOTALS
    assert [i["id"] for i in document["incidents"]] == ["a1", "a2", "b1", "a3", "b2", "a4"]
    rejected = {row["file"]: row["reason"] for row in document["rejected"]}
    assert rejected == {
        "x1": "stored, but not a valid report: 'indicators' must be a list of strings, "
              "not a number",
        "x2": "stored, but not a valid report: the stored report has no usable collection "
              "time",
        "x3": "stored, but not a valid report: the stored report has no usable collection "
              "time",
        "['x4']": "stored, but not a valid report: 'technique' must be a string, not an "
                  "object",
        "x5": "stored, but not a valid report: 'host' is empty"}
    for form in ("html", "md", "json"):
        assert "x5" in render(document, form)
    live = live_view(build_report(golden_plan(), hostile_events(), full=False))
    assert [t["total"] for t in live["standings"]] == [63.51, 49.0]


@pytest.fixture
def hostile_state(tmp_path: Path) -> Path:
    """The golden exercise's state with the old hostile reports appended to its store."""
    state = golden_exercise(tmp_path)
    store = EventStore(ExerciseState(state.exercise, root=tmp_path).events_path)
    try:
        for data in OLD_STORED:
            store.append("incident.reported", team="ottawa", host="web", **data)
    finally:
        store.close()
    return tmp_path


def test_score_and_report_run_on_a_store_with_hostile_reports(hostile_state: Path) -> None:
    score = rangectl("score", "-o", "json", state_dir=hostile_state)
    assert score.returncode == 0, score.stderr
    assert {t["team"]: t["total"] for t in json.loads(score.stdout)["teams"]} == TOTALS
    report = rangectl("report", "-o", "md", "--out", "-", state_dir=hostile_state)
    assert report.returncode == 0, report.stderr
    assert "### Rejected at collection" in report.stdout
    assert "'indicators' must be a list of strings, not a number" in report.stdout


@pytest.mark.timeout(60)
def test_serve_starts_on_a_store_with_hostile_reports(hostile_state: Path) -> None:
    with serving(hostile_state) as served:
        assert served.url.startswith("http://127.0.0.1:"), served.url
        with urllib.request.urlopen(served.url + "scoreboard.json", timeout=10) as answer:
            view = json.load(answer)
        assert {t["team"]: t["total"] for t in view["standings"]} == TOTALS


def report_json(state_dir: Path) -> dict[str, Any]:
    result = rangectl("report", "-o", "json", "--out", "-", state_dir=state_dir)
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


@pytest.fixture
def golden_state(tmp_path: Path) -> Path:
    golden_exercise(tmp_path)
    return tmp_path


def test_voiding_a_report_judges_it_as_never_filed(golden_state: Path) -> None:
    result = rangectl("void", "report", "a1", "--reason", "filed from another team's notes",
                      state_dir=golden_state)
    assert result.returncode == 0, result.stderr
    assert "recorded void of report a1 of ottawa" in result.stderr
    assert "ottawa: 49 -> 34 (-15)" in result.stderr  # a2 now detects scan, with less credit
    assert "tallinn: 63.51 -> 63.51 (no change)" in result.stderr
    document = report_json(golden_state)
    judged = {row["id"]: (row["status"], row["inject"], row["void"])
              for row in document["incidents"]}
    assert judged["a1"] == ("void", None, "filed from another team's notes")
    assert judged["a2"] == ("detected", "scan", "")
    line = next(line for line in document["ledger"] if line["subject"] == "voided report")
    assert (line["team"], line["points"], line["void"]) == (
        "ottawa", 0.0, "filed from another team's notes")
    html = rangectl("report", "-o", "-", state_dir=golden_state).stdout
    assert "voided: filed from another team&#39;s notes" in html


def test_voiding_a_false_report_lifts_its_penalty(golden_state: Path) -> None:
    result = rangectl("void", "report", "a3", "--team", "ottawa", "--reason", "typo in host",
                      state_dir=golden_state)
    assert result.returncode == 0, result.stderr
    assert "ottawa: 49 -> 53 (+4)" in result.stderr


@pytest.mark.parametrize(("args", "message", "hint"), [
    (("void", "report", "a11", "--reason", "x"), "no report 'a11'", "did you mean 'a1'?"),
    (("void", "report", "zzz", "--reason", "x"), "no report 'zzz'",
     "reports: a1, a2, a3, a4, b1, b2"),
    (("void", "report", "b1", "--team", "ottawa", "--reason", "x"), "no report 'b1'",
     "reports: a1, a2, a3, a4"),
    (("void", "report", "a1", "--team", "otawa", "--reason", "x"), "no team 'otawa'",
     "did you mean 'ottawa'?"),
    (("void", "report", "a1", "--reason", " "), "--reason is empty", "say why"),
])
def test_a_bad_void_of_a_report_is_refused_with_a_fix(golden_state: Path, args: tuple[str, ...],
                                                      message: str, hint: str) -> None:
    before = report_json(golden_state)["ledger"]
    result = rangectl(*args, state_dir=golden_state)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert hint in result.stderr
    assert "Traceback" not in result.stderr
    assert report_json(golden_state)["ledger"] == before
