"""The scoring model: events -> ledger -> scoreboard, against a recorded story.

The story (tests/fixtures/scoring/make_events.py) exercises every formula of
docs/scoring.md; the golden files hold the ledger and scoreboard it gives.
"""

from __future__ import annotations

import random

import pytest

from scoring.detection import detection_credit, technique_matches
from scoring.ledger import compute_ledger
from scoring.lines import LedgerLine
from scoring.scoreboard import build_scoreboard, score_exercise
from tests.unit.scoring.golden import compare_golden, golden_events, golden_plan, with_event


def lines_of(lines: tuple[LedgerLine, ...], team: str, category: str,
             subject: str | None = None) -> list[LedgerLine]:
    return [line for line in lines if line.team == team and line.category == category
            and subject in (None, line.subject)]


def test_the_ledger_and_scoreboard_match_their_golden_files() -> None:
    ledger, board = score_exercise(golden_plan(), golden_events())
    compare_golden("ledger.json", [line.to_json() for line in ledger.lines])
    compare_golden("scoreboard.json", board.to_json())


def test_the_same_events_in_any_order_give_the_same_scores() -> None:
    events = golden_events()
    first = compute_ledger(golden_plan(), events)
    shuffled = list(events)
    random.Random(7).shuffle(shuffled)
    assert compute_ledger(golden_plan(), shuffled) == first


def test_each_total_is_the_sum_of_the_teams_ledger_lines() -> None:
    ledger, board = score_exercise(golden_plan(), golden_events())
    for team in board.teams:
        assert team.total == pytest.approx(sum(line.points for line in ledger.for_team(team.team)))
        for category, value in team.categories.items():
            assert value == pytest.approx(sum(line.points for line in lines_of(
                ledger.lines, team.team, category)))
    assert [team.team for team in board.teams] == ["tallinn", "ottawa"]
    assert [team.rank for team in board.teams] == [1, 2]


def test_a_tick_recorded_twice_counts_once_with_its_last_result() -> None:
    ledger = compute_ledger(golden_plan(), golden_events())
    tick4 = [line for line in lines_of(ledger.lines, "ottawa", "availability", "web/http")
             if line.reason.startswith("tick 4:")]
    assert len(tick4) == 1
    assert tick4[0].raw == 0.5
    assert "degraded" in tick4[0].reason


def test_availability_follows_the_result_and_an_error_is_not_held_against_the_team() -> None:
    ledger = compute_ledger(golden_plan(), golden_events())
    by_reason = {line.reason: line.raw for line in ledger.lines if line.team == "ottawa"
                 and line.category == "availability"}
    assert by_reason["tick 0: web/http ok"] == 1.0
    assert by_reason["tick 7: files/ssh down: connection refused"] == 0.0
    errors = [r for r in by_reason if "the check itself failed" in r]
    assert len(errors) == 1
    assert by_reason[errors[0]] == 1.0


def test_defence_scores_blocked_injects_only_and_first_firings_only() -> None:
    ledger = compute_ledger(golden_plan(), golden_events())
    assert [(line.subject, line.raw) for line in lines_of(ledger.lines, "ottawa", "defence")] \
        == [("scan", 10.0), ("guess", 0.0), ("tamper", 0.0)]
    tallinn = lines_of(ledger.lines, "tallinn", "defence")
    assert [(line.subject, line.raw) for line in tallinn] \
        == [("scan", 0.0), ("guess", 20.0), ("tamper", 0.0)]
    assert "interrupted" in tallinn[2].reason or "stopped" in tallinn[2].reason
    assert len(lines_of(ledger.lines, "tallinn", "defence", "scan")) == 1  # manual re-run


def test_detection_credit_falls_with_time_and_missing_indicators() -> None:
    rule = golden_plan().team("ottawa").injects[0].detection
    assert rule is not None
    assert rule.window == 60
    assert rule.points == 20
    red = golden_plan().team("ottawa").host("red").addresses["lan"]
    assert detection_credit(rule, 0, (red,))[0] == 20.0
    assert detection_credit(rule, 30, (red,))[0] == 15.0
    assert detection_credit(rule, 60, (red,))[0] == 10.0
    assert detection_credit(rule, 30, ("10.9.9.9",))[0] == 7.5
    assert technique_matches("T1110", "T1110.001")
    assert technique_matches("t1110.001", "T1110")
    assert not technique_matches("T1110.003", "T1110.001")
    assert not technique_matches("T1046", "T1110")


def test_reports_are_detected_duplicated_late_or_false() -> None:
    ledger = compute_ledger(golden_plan(), golden_events())
    ottawa = lines_of(ledger.lines, "ottawa", "detection")
    assert [(line.subject, line.raw, line.points) for line in ottawa] == [
        ("scan", 18.33, 27.5), ("scan", 0.0, 0.0), ("guess", 9.0, 13.5)]
    assert "duplicate of report a1" in ottawa[1].reason
    tallinn = lines_of(ledger.lines, "tallinn", "detection")
    assert [(line.subject, line.raw) for line in tallinn] == [("guess", 19.67), ("scan", 0.0)]
    assert "after its 1 min window" in tallinn[1].reason
    false = lines_of(ledger.lines, "ottawa", "penalties", "false_report")
    assert len(false) == 1
    assert false[0].points == -4.0
    assert "a3" in false[0].reason


def test_outages_and_a_blocked_scorebot_are_each_penalised_once() -> None:
    ledger = compute_ledger(golden_plan(), golden_events())
    ottawa = lines_of(ledger.lines, "ottawa", "penalties", "scored_service_down")
    assert [(line.reason, line.points) for line in ottawa] == [
        ("files/ssh down (ticks 6-8)", -5.0)]
    tallinn = lines_of(ledger.lines, "tallinn", "penalties")
    # ticks 5-6 (every check down) are one blocked scorebot, not three outages;
    # tick 9's outage was voided by the white cell.
    assert [(line.subject, line.points) for line in tallinn] == [("scorebot_blocked", -15.0)]
    assert len(tallinn[0].events) == 6


def test_voiding_an_inject_changes_exactly_the_lines_that_depend_on_it() -> None:
    plan, events = golden_plan(), golden_events()
    before = compute_ledger(plan, events).lines
    after = compute_ledger(plan, with_event(events, "void.inject", "ottawa", inject="scan",
                                            reason="red host misconfigured")).lines
    assert len(before) == len(after)
    changed = [(old, new) for old, new in zip(before, after, strict=True) if old != new]
    assert {(new.team, new.subject) for _old, new in changed} == {("ottawa", "scan")}
    assert {new.category for _old, new in changed} == {"defence", "detection"}
    assert all(new.points == 0.0 and new.void == "red host misconfigured" for _o, new in changed)
    assert len(changed) == len([line for line in before
                                if (line.team, line.subject) == ("ottawa", "scan")])


def test_voiding_an_inject_for_every_team_and_a_check_window() -> None:
    plan, events = golden_plan(), golden_events()
    voided = with_event(events, "void.inject", None, inject="guess", reason="wordlist missing")
    voided = with_event(voided, "void.checks", "ottawa", start=60, end=80, check="files/ssh",
                        reason="host maintenance")
    ledger = compute_ledger(plan, voided)
    assert all(line.points == 0 for line in ledger.lines if line.subject == "guess")
    assert lines_of(ledger.lines, "ottawa", "penalties", "scored_service_down") == []
    board = build_scoreboard(plan, ledger)
    ottawa = next(team for team in board.teams if team.team == "ottawa")
    assert ottawa.sla["files/ssh"] == 1.0


def test_a_rule_the_scenario_does_not_list_costs_nothing() -> None:
    plan = golden_plan()
    lenient = plan.model_copy(update={"scoring": plan.scoring.model_copy(
        update={"penalties": {}})})
    ledger = compute_ledger(lenient, golden_events())
    assert lines_of(ledger.lines, "ottawa", "penalties") == []
    false = [line for line in ledger.lines if line.subject == "false report"]
    assert len(false) == 1
    assert false[0].points == 0.0
    assert "matches no inject" in false[0].reason


def test_a_report_collected_before_its_inject_fired_is_a_false_report() -> None:
    events = with_event(golden_events(), "incident.reported", "tallinn", "files", t=40.0,
                        id="early", technique="T1110.001", indicators=[], summary="guess")
    ledger = compute_ledger(golden_plan(), events)
    false = lines_of(ledger.lines, "tallinn", "penalties", "false_report")
    assert [line.reason for line in false] == [
        "false report early (files, T1110.001): it matches no inject"]
    # b1, collected after guess fired, still detects it
    assert [line.subject for line in lines_of(ledger.lines, "tallinn", "detection")
            if line.raw > 0] == ["guess"]
