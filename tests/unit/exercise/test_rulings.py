"""White-cell rulings on a recorded exercise: what is refused, what is recorded, what changes.

Each test lays the golden exercise out in a real state directory with a real
SQLite event store (tests/unit/scoring/golden.py), as `up` and `run` leave it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from orchestrator.errors import InvalidInputError
from orchestrator.events.store import EventStore
from orchestrator.exercise.rulings import (
    RulingRecorded,
    penalize,
    void_checks,
    void_inject,
    void_report,
)
from orchestrator.exercise.scored import ScoredExercise, load_scored
from scoring.ledger import compute_ledger
from tests.unit.scoring.golden import golden_exercise

A1 = 33  # the seq of ottawa's report a1, which detected inject scan


@pytest.fixture
def exercise(tmp_path: Path) -> ScoredExercise:
    return load_scored(golden_exercise(tmp_path))


def refused(exercise: ScoredExercise, ruling: Callable[[], RulingRecorded]) -> InvalidInputError:
    """The error a ruling is refused with; nothing may have been recorded."""
    before = exercise.events()
    with pytest.raises(InvalidInputError) as raised:
        ruling()
    assert exercise.events() == before
    return raised.value


@pytest.mark.parametrize("ruling", [
    lambda e: void_inject(e, "scan", "otawa", "x"),
    lambda e: void_report(e, "a1", "otawa", "x"),
    lambda e: void_checks(e, "1m", "2m", "otawa", None, "x"),
    lambda e: penalize(e, "otawa", "false_report", None, "x"),
])
def test_a_ruling_on_an_unknown_team_is_refused_with_the_closest_name(
        exercise: ScoredExercise, ruling: Callable[[ScoredExercise], RulingRecorded]) -> None:
    error = refused(exercise, lambda: ruling(exercise))
    assert error.message == "no team 'otawa' in this exercise"
    assert error.hint == "did you mean 'ottawa'?"


def test_voiding_an_unknown_report_is_refused_with_the_reports_filed(
        exercise: ScoredExercise) -> None:
    error = refused(exercise, lambda: void_report(exercise, "zz", None, "x"))
    assert error.message == "no report 'zz' in this exercise"
    assert error.hint == "reports: a1, a2, a3, a4, b1, b2"
    error = refused(exercise, lambda: void_report(exercise, "a1", "tallinn", "x"))
    assert (error.message, error.hint) == ("no report 'a1' in this exercise", "reports: b1, b2")


def test_a_report_id_two_teams_used_needs_the_team(exercise: ScoredExercise) -> None:
    a1 = next(event for event in exercise.events() if event.seq == A1)
    store = EventStore(exercise.state.events_path)
    store.append(a1.kind, team="tallinn", host=a1.host, **a1.data)
    store.close()
    error = refused(exercise, lambda: void_report(exercise, "a1", None, "x"))
    assert error.message == "teams ottawa and tallinn each filed a report 'a1'"
    assert error.hint == "name one: --team ottawa or --team tallinn"
    assert void_report(exercise, "a1", "tallinn", "x").what == "void of report a1 of tallinn"


def test_a_voided_report_no_longer_scores(exercise: ScoredExercise) -> None:
    recorded = void_report(exercise, "a1", None, "filed from the white cell's laptop")
    assert recorded.what == "void of report a1 of ottawa"
    assert (recorded.change("ottawa"), recorded.change("tallinn")) == (-15.0, 0.0)
    lines = compute_ledger(exercise.plan, exercise.events()).lines
    citing = [line for line in lines if A1 in line.events]
    assert citing
    assert all(line.points == 0 and line.void == "filed from the white cell's laptop"
               for line in citing)
    scan = [line for line in lines if (line.team, line.category, line.subject)
            == ("ottawa", "detection", "scan")]
    assert [line.reason.split(" (")[0] for line in scan] == ["scan detected by report a2"]


def test_voiding_an_inject_records_it_and_changes_only_that_team(
        exercise: ScoredExercise) -> None:
    recorded = void_inject(exercise, "scan", "ottawa", "  red host misconfigured ")
    assert recorded.what == "void of inject scan for ottawa"
    assert recorded.before == {"tallinn": 63.51, "ottawa": 49.0}
    assert recorded.after == {"tallinn": 63.51, "ottawa": 11.5}
    event = exercise.events()[-1]
    assert (event.seq, event.kind, event.team) == (recorded.seq, "void.inject", "ottawa")
    assert event.data == {"by": "white-cell", "inject": "scan",
                          "reason": "red host misconfigured"}


def test_an_unknown_inject_or_check_or_an_empty_reason_is_refused(
        exercise: ScoredExercise) -> None:
    error = refused(exercise, lambda: void_inject(exercise, "scna", None, "x"))
    assert (error.message, error.hint) == ("no inject 'scna' in this exercise",
                                           "did you mean 'scan'?")
    error = refused(exercise, lambda: void_checks(exercise, "1m", "2m", None, "web/htp", "x"))
    assert (error.message, error.hint) == ("no check 'web/htp' in this exercise",
                                           "did you mean 'web/http'?")
    error = refused(exercise, lambda: void_inject(exercise, "scan", None, " "))
    assert (error.message, error.hint) == ("--reason is empty", "say why, in one line")


def test_a_check_window_is_read_as_exercise_time_and_must_not_run_backwards(
        exercise: ScoredExercise) -> None:
    error = refused(exercise, lambda: void_checks(exercise, "6m", "5m", None, None, "x"))
    assert (error.message, error.hint) == ("--to 5m is before --from 6m",
                                           "give the window's start first")
    error = refused(exercise, lambda: void_checks(exercise, "5x", "6m", None, None, "x"))
    assert error.message.startswith("--from: ")
    assert error.hint == "exercise time like 90s, 25m or 1h10m"
    recorded = void_checks(exercise, "1m", "80s", "ottawa", "files/ssh", "host maintenance")
    assert recorded.what == "void of files/ssh for ottawa from 60 s to 80 s"
    assert recorded.change("ottawa") == 5.0  # the outage penalty is gone
    assert exercise.events()[-1].data["start"] == 60


def test_a_penalty_names_a_rule_of_the_scenario_and_is_dated(exercise: ScoredExercise) -> None:
    error = refused(exercise, lambda: penalize(exercise, "ottawa", "scorebot_down", None, "x"))
    assert error.message == "the scenario has no penalty rule 'scorebot_down'"
    assert error.hint == ("rules: false_report, out_of_scope_action, scorebot_blocked, "
                          "scored_service_down")
    at = penalize(exercise, "tallinn", "out_of_scope_action", "100s", "attacked the scorebot")
    assert (at.what, at.change("tallinn")) == ("out_of_scope_action penalty for tallinn", -25.0)
    assert exercise.events()[-1].data["t"] == 100
    now = penalize(exercise, "tallinn", "false_report", None, "no --at")
    assert now.change("tallinn") == -4.0
    assert exercise.events()[-1].data["t"] == 120.0  # the finished exercise's clock
