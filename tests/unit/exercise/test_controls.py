"""The white cell's requests, acted on while the engine waits: on a real event store,
with simulated time, and a look at the store every 10 ms instead of every second."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from orchestrator.events.kinds import (
    ClockPaused,
    ClockResumed,
    InjectRequested,
    PauseRequested,
    ResumeRequested,
    StopRequested,
)
from orchestrator.events.store import EventStore
from orchestrator.exercise.clock import SimulatedClock
from orchestrator.exercise.controls import WhiteCellControls


@pytest.fixture
def store(tmp_path: Path) -> EventStore:
    return EventStore(tmp_path / "events.db")


def controls(store: EventStore, since: int = 0) -> tuple[WhiteCellControls, list[tuple[str, str]]]:
    by_hand: list[tuple[str, str]] = []
    made = WhiteCellControls(store, SimulatedClock(), lambda inject, team:
                             by_hand.append((inject, team)), since=since, interval=0.01)
    return made, by_hand


def test_with_no_request_the_wait_reaches_its_moment(store: EventStore) -> None:
    made, _ = controls(store)
    assert made.wait_until(30.0, threading.Event())
    assert made.clock.now() == 30.0
    assert not made.paused
    assert not made.stopped


def test_a_pause_holds_the_wait_until_a_resume(store: EventStore) -> None:
    made, _ = controls(store)
    store.record(PauseRequested())
    looks_while_paused: list[float] = []

    def look() -> None:  # the white cell resumes at the second look while paused
        if made.paused:
            looks_while_paused.append(made.clock.now())
            if len(looks_while_paused) == 2:
                store.record(ResumeRequested())

    assert made.wait_until(10.0, threading.Event(), look)
    assert looks_while_paused == [0.0, 0.0]  # held: no time passed while paused
    assert [event.kind for event in store.read()] == [
        PauseRequested.kind, ClockPaused.kind, ResumeRequested.kind, ClockResumed.kind]
    assert not made.paused


def test_a_stop_ends_the_wait_early_and_marks_the_exercise_stopped(store: EventStore) -> None:
    made, _ = controls(store)
    store.record(StopRequested())
    stop = threading.Event()
    assert not made.wait_until(10.0, stop)
    assert made.stopped
    assert stop.is_set()
    assert made.clock.now() == 0.0


def test_a_manual_inject_is_handed_on_once(store: EventStore) -> None:
    made, by_hand = controls(store)
    store.record(InjectRequested(team="tallinn", inject="scan"))
    assert made.wait_until(10.0, threading.Event())
    assert made.wait_until(20.0, threading.Event())
    assert by_hand == [("scan", "tallinn")]


def test_requests_made_before_the_run_are_void(store: EventStore) -> None:
    seq = store.record(StopRequested())
    made, _ = controls(store, since=seq)
    assert made.wait_until(10.0, threading.Event())
    assert not made.stopped


def test_a_resume_without_a_pause_and_a_second_pause_change_nothing(store: EventStore) -> None:
    made, _ = controls(store)
    store.record(ResumeRequested())
    assert made.wait_until(5.0, threading.Event())
    assert [event.kind for event in store.read()] == [ResumeRequested.kind]
