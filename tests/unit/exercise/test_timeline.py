"""The exercise's timeline and where a run stopped: pure, walked with no clock or threads.

quickstart ticks every 10 s for 90 s (ticks 0..9) and fires `scan` at 20 s and
`ssh-password-guess` at 50 s, for ottawa and tallinn.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from orchestrator.cli.common import load
from orchestrator.events.kinds import (
    ExerciseFinished,
    InjectCompleted,
    InjectFired,
    InjectInterrupted,
    PauseRequested,
    TickCompleted,
)
from orchestrator.events.payload import Payload
from orchestrator.events.store import Event
from orchestrator.exercise.progress import Progress, read_progress
from orchestrator.exercise.timeline import Moment, Timeline
from orchestrator.plan import Plan, plan_loaded
from tests.conftest import SCENARIOS

GUESS = "ssh-password-guess"


@pytest.fixture(scope="module")
def plan() -> Plan:
    return plan_loaded(load(SCENARIOS / "quickstart.yml"), exercise="timeline-test")


def events(*payloads: Payload) -> list[Event]:
    """The payloads as the store would give them back, numbered from 1."""
    return [Event(seq, "2026-12-06T10:00:00+00:00", payload.kind, *payload.envelope,
                  payload.data()) for seq, payload in enumerate(payloads, start=1)]


def fired(team: str, inject: str, t: float, manual: bool = False) -> InjectFired:
    return InjectFired(team=team, inject=inject, t=t, technique="T1046", target="web",
                       source="red", manual=manual)


def completed(team: str, inject: str) -> InjectCompleted:
    return InjectCompleted(team=team, inject=inject, outcome="blocked", started=0.0, ended=1.0,
                           steps=())


def walk(plan: Plan, history: Sequence[Event] = ()) -> list[Moment]:
    return list(Timeline(plan, read_progress(history)))


def test_a_new_exercise_walks_every_tick_and_inject_in_order(plan: Plan) -> None:
    moments = walk(plan)
    assert [m.tick for m in moments if m.tick is not None] == list(range(10))
    assert [(m.t, m.injects, m.tick) for m in moments if m.injects] == [
        (20.0, ("scan",), 2), (50.0, (GUESS,), 5)]
    assert [m.t for m in moments] == sorted(m.t for m in moments)
    assert len(moments) == 10  # each inject falls on a tick: one moment holds both


def test_an_inject_between_ticks_is_a_moment_of_its_own(plan: Plan) -> None:
    shifted = plan.model_copy(update={"tick": 15})
    moments = walk(shifted)
    assert [(m.t, m.injects, m.tick) for m in moments] == [
        (0.0, (), 0), (15.0, (), 1), (20.0, ("scan",), None), (30.0, (), 2), (45.0, (), 3),
        (50.0, (GUESS,), None), (60.0, (), 4), (75.0, (), 5), (90.0, (), 6)]


def test_a_resumed_run_goes_on_after_the_last_tick_without_what_was_fired(plan: Plan) -> None:
    history = events(TickCompleted(tick=0, t=0.0, seconds=0.1),
                     TickCompleted(tick=1, t=10.0, seconds=0.1),
                     TickCompleted(tick=2, t=20.0, seconds=0.1),
                     fired("ottawa", "scan", 20.0), fired("tallinn", "scan", 20.0))
    moments = walk(plan, history)
    assert moments[0] == Moment(30.0, (), 3)
    assert [m.injects for m in moments if m.injects] == [(GUESS,)]


def test_an_inject_one_team_missed_is_still_ahead(plan: Plan) -> None:
    # killed between ottawa's and tallinn's firing: scan stays for tallinn
    history = events(TickCompleted(tick=1, t=10.0, seconds=0.1), fired("ottawa", "scan", 20.0))
    assert walk(plan, history)[0] == Moment(20.0, ("scan",), 2)


def test_a_manual_firing_does_not_take_the_scheduled_one(plan: Plan) -> None:
    history = events(fired("ottawa", "scan", 5.0, manual=True),
                     fired("tallinn", "scan", 5.0, manual=True))
    progress = read_progress(history)
    assert progress.fired == frozenset()
    assert not progress.started
    assert [m.injects for m in walk(plan, history) if m.injects] == [("scan",), (GUESS,)]


def test_a_finished_timeline_has_no_moments_left(plan: Plan) -> None:
    history = events(*[TickCompleted(tick=n, t=10.0 * n, seconds=0.1) for n in range(10)],
                     *[fired(team, name, t) for team in ("ottawa", "tallinn")
                       for name, t in (("scan", 20.0), (GUESS, 50.0))])
    assert walk(plan, history) == []


def test_the_upcoming_injects_are_what_the_live_view_lists(plan: Plan) -> None:
    timeline = Timeline(plan, read_progress([]))
    assert timeline.upcoming() == [(20, "scan"), (50, GUESS)]
    moments = iter(timeline)
    while next(moments).t < 20:
        pass
    assert timeline.upcoming() == [(50, GUESS)]


def test_progress_knows_what_a_crash_cut_off_and_the_last_request_seen() -> None:
    progress = read_progress(events(
        TickCompleted(tick=2, t=20.0, seconds=0.1), fired("ottawa", "scan", 20.0),
        fired("tallinn", "scan", 20.0), completed("ottawa", "scan"), PauseRequested(),
        fired("ottawa", GUESS, 50.0),
        InjectInterrupted(team="ottawa", inject=GUESS, reason="crash")))
    assert progress == Progress(time=50.0, last_tick=2,
                                fired=frozenset({("ottawa", "scan"), ("tallinn", "scan"),
                                                 ("ottawa", GUESS)}),
                                completed=frozenset({("ottawa", "scan"), ("ottawa", GUESS)}),
                                finished=False, last_control=5)
    assert progress.started
    assert progress.interrupted == [("tallinn", "scan")]


def test_a_finished_exercise_says_so() -> None:
    assert read_progress(events(ExerciseFinished(t=90.0, early=False))).finished
