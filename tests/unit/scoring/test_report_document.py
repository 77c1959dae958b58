"""The after-action report document: the figures behind each section of the report."""

from __future__ import annotations

from datetime import UTC, datetime

from scoring.report.document import build_report
from scoring.report.render import clock, local, render_markdown
from tests.unit.scoring.golden import compare_golden, golden_events, golden_plan

GENERATED = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def report() -> dict[str, object]:
    return build_report(golden_plan(), golden_events(), generated=GENERATED)


def test_the_report_document_matches_its_golden_file() -> None:
    compare_golden("report.json", report())


def test_score_over_time_ends_at_each_teams_total() -> None:
    document = build_report(golden_plan(), golden_events(), generated=GENERATED)
    totals = {team["team"]: team["total"] for team in document["standings"]}
    for team, series in document["score_over_time"].items():
        assert [t for t, _v in series] == [float(t) for t in range(0, 121, 10)]
        assert series[-1][1] == totals[team]
    ottawa = dict(document["score_over_time"]["ottawa"])
    assert ottawa[0.0] == 3.0  # tick 0: three checks ok


def test_inject_matrix_time_to_detect_and_techniques() -> None:
    document = build_report(golden_plan(), golden_events(), generated=GENERATED)
    matrix = {row["inject"]: row["teams"] for row in document["injects"]}
    assert matrix["scan"]["ottawa"]["outcome"] == "blocked"
    assert matrix["scan"]["ottawa"]["time_to_detect"] == 10.0
    assert matrix["scan"]["ottawa"]["points"] == 37.5  # defence 10 + detection 27.5
    assert matrix["guess"]["tallinn"]["time_to_detect"] == 10.0
    assert matrix["tamper"]["tallinn"]["outcome"] == "interrupted"
    assert matrix["scan"]["ottawa"]["local_time"] == "2026-11-24T09:00:20-05:00"
    assert matrix["scan"]["tallinn"]["local_time"] == "2026-11-24T16:00:20+02:00"
    techniques = {row["technique"]: row["teams"] for row in document["techniques"]}
    assert techniques["T1046"] == {"ottawa": {"fired": True, "detected": True},
                                   "tallinn": {"fired": True, "detected": False}}
    statuses = [(i["id"], i["status"], i["inject"]) for i in document["incidents"]]
    assert statuses == [("a1", "detected", "scan"), ("a2", "duplicate", "scan"),
                        ("b1", "detected", "guess"), ("a3", "false", None),
                        ("b2", "late", "scan"), ("a4", "detected", "guess")]


def test_times_read_as_exercise_clock_utc_and_local() -> None:
    assert clock(0) == "T+00:00"
    assert clock(3725) == "T+1:02:05"
    assert local("2026-11-24T14:00:30.000+00:00", "America/Toronto") \
        == "2026-11-24 09:00:30 Toronto"
    text = render_markdown(report())
    assert "| 2 | Ottawa Blue Team | 32 | 10 | 41 | -34 | **49** |" in text


def test_an_exercise_not_yet_run_has_a_report_of_zeros() -> None:
    document = build_report(golden_plan(), [], generated=GENERATED)
    assert document["status"]["state"] == "not started"
    assert [team["total"] for team in document["standings"]] == [0.0, 0.0]
    assert [team["rank"] for team in document["standings"]] == [1, 1]
    assert {cell["outcome"] for row in document["injects"]
            for cell in row["teams"].values()} == {"not fired"}
    assert "No incident reports were filed." in render_markdown(document)
