"""The scoreboard document: what `score` prints and the report's standings, built once."""

from __future__ import annotations

import random

from scoring.ledger import compute_ledger
from scoring.report.document import build_report
from scoring.scoreboard import scoreboard_document
from tests.unit.scoring.golden import compare_golden, golden_events, golden_plan


def test_the_report_shows_the_scoreboard_documents_standings_and_status() -> None:
    board = scoreboard_document(golden_plan(), golden_events())
    for full in (True, False):  # the report, and the live page's document
        report = build_report(golden_plan(), golden_events(), full=full)
        assert report["standings"] == board["teams"]
        assert report["status"] == board["status"]
    compare_golden("scoreboard.json", {key: board[key] for key in
                                       ("exercise", "scenario", "categories", "teams")})


def test_the_document_says_where_the_exercise_is() -> None:
    board = scoreboard_document(golden_plan(), golden_events())
    assert board["duration"] == 120
    assert board["status"]["state"] == "finished"
    assert board["status"]["t"] == 120.0
    assert [(team["team"], team["rank"], team["total"]) for team in board["teams"]] \
        == [("tallinn", 1, 63.51), ("ottawa", 2, 49.0)]


def test_events_in_any_order_and_a_given_ledger_give_the_same_document() -> None:
    events = golden_events()
    shuffled = list(events)
    random.Random(3).shuffle(shuffled)
    first = scoreboard_document(golden_plan(), events)
    assert scoreboard_document(golden_plan(), shuffled) == first
    ledger = compute_ledger(golden_plan(), events)
    assert scoreboard_document(golden_plan(), events, ledger) == first
