"""Opening an exercise to score it, following its events, and the documents shown of it.

A real state directory and SQLite event store in tmp_path, as `up` and `run`
leave them (tests/unit/scoring/golden.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestrator.errors import InvalidInputError
from orchestrator.events.kinds import PauseRequested, PenaltyApplied
from orchestrator.exercise.scored import (
    EventFollower,
    ScoredExercise,
    after_action_report,
    live_report,
    live_scoreboard,
    load_scored,
    open_scored,
    record_event,
    report_path,
)
from orchestrator.state import ExerciseRecord, ExerciseState
from scoring.scoreboard import scoreboard_document
from tests.unit.scoring.golden import golden_exercise, golden_plan


@pytest.fixture
def exercise(tmp_path: Path) -> ScoredExercise:
    return load_scored(golden_exercise(tmp_path))


def brought_up(root: Path, plan: bool) -> ExerciseState:
    """An exercise with a record (and its plan, if asked) that has never run."""
    state = ExerciseState("drill", root=root)
    state.save_record(ExerciseRecord("drill", "drill", "drill.yml", ("ottawa",)))
    if plan:
        state.save_plan(golden_plan())
    return state


def test_an_exercise_without_a_plan_cannot_be_scored(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError) as raised:
        load_scored(brought_up(tmp_path, plan=False))
    assert raised.value.message == "exercise 'drill' has no plan to score against"
    assert raised.value.hint == "bring it up first: rangectl up FILE"
    with pytest.raises(InvalidInputError, match="no exercise 'nope'"):
        load_scored(ExerciseState("nope", root=tmp_path))


def test_an_exercise_that_never_ran_has_no_events_and_scores_zero(tmp_path: Path) -> None:
    exercise = load_scored(brought_up(tmp_path, plan=True))
    assert exercise.events() == []
    seq, board = live_scoreboard(exercise).snapshot()
    assert seq == 0
    assert board["status"]["state"] == "not started"
    assert [team["total"] for team in board["teams"]] == [0.0, 0.0]


def test_the_only_exercise_is_opened_without_naming_it(
        exercise: ScoredExercise, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RANGECTL_STATE_DIR", str(exercise.state.root))
    assert open_scored(None).name == "scoring-golden"
    with pytest.raises(InvalidInputError, match="no exercise 'other'"):
        open_scored("other")


def test_the_follower_reads_only_what_was_appended(exercise: ScoredExercise) -> None:
    follower = EventFollower(exercise)
    assert follower.refresh()
    assert (len(follower.events), follower.seq) == (110, 110)
    assert not follower.refresh()
    seq = record_event(exercise.state, PauseRequested())
    assert follower.refresh()
    assert [event.seq for event in follower.events[-2:]] == [110, seq]


def test_a_live_document_is_rebuilt_only_when_events_were_appended(
        exercise: ScoredExercise) -> None:
    board = live_scoreboard(exercise)
    seq, first = board.snapshot()
    assert first == scoreboard_document(exercise.plan, exercise.events())
    assert board.snapshot() == (seq, first)
    assert board.snapshot()[1] is first  # not scored again
    exercise.record(PenaltyApplied(team="tallinn", rule="out_of_scope_action", t=100,
                                   reason="attacked the scorebot"))
    later, second = board.snapshot()
    assert later == seq + 1
    assert {team["team"]: team["total"] for team in second["teams"]} \
        == {"ottawa": 49.0, "tallinn": 38.51}


def test_the_live_page_and_the_report_show_the_scoreboards_standings(
        exercise: ScoredExercise) -> None:
    board = scoreboard_document(exercise.plan, exercise.events())
    _seq, page = live_report(exercise).snapshot()
    assert page["standings"] == board["teams"]
    assert page["ledger"] == []  # the live page leaves the long sections out
    report = json.loads(after_action_report(exercise, "json"))
    assert report["standings"] == board["teams"]
    assert report["status"] == board["status"]
    assert len(report["ledger"]) == sum(team["lines"] for team in board["teams"])


def test_a_report_goes_to_the_exercises_reports_folder(exercise: ScoredExercise) -> None:
    assert report_path(exercise, "md") \
        == exercise.state.directory / "reports" / "scoring-golden.md"
