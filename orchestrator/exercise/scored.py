"""What the scoring commands read of an exercise, and the documents they show.

Scores are recomputed from an exercise's plan and events each time, never
stored, so none of this needs a Docker engine: an exercise that is down (but
not purged) can still be scored, voided and reported on. `score`, `serve` and
`report` open the exercise here and show what scoring/ builds from it: the
scoreboard document (scoring/scoreboard.py) and the report document built
around it (scoring/report/document.py), so every view shows the same figures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestrator.deploy import resolve_exercise
from orchestrator.errors import InvalidInputError
from orchestrator.events.payload import Payload
from orchestrator.events.store import Event, EventStore
from orchestrator.plan.model import Plan
from orchestrator.state import ExerciseState
from scoring.report.document import build_report
from scoring.report.render import render
from scoring.scoreboard import scoreboard_document

Document = dict[str, Any]  # a JSON-able document, as scoring/ builds them
Builder = Callable[[Plan, Sequence[Event]], Document]


@dataclass(frozen=True)
class ScoredExercise:
    """An exercise's state folder and the plan its ranges were built from: what
    its scores are computed against, with the events in its store."""

    state: ExerciseState
    plan: Plan

    @property
    def name(self) -> str:
        return self.state.exercise

    def events(self) -> list[Event]:
        """Every event recorded so far, in order."""
        return read_events(self.state)

    def record(self, event: Payload) -> int:
        """Record one white-cell event; return its sequence number."""
        return record_event(self.state, event)


def load_scored(state: ExerciseState) -> ScoredExercise:
    """The exercise in `state`, ready to score: it must have been brought up, since
    its plan says which teams, checks and injects there are to score."""
    state.load_record()  # a clear error when there is no such exercise
    plan = state.load_plan()
    if plan is None:
        raise InvalidInputError(f"exercise '{state.exercise}' has no plan to score against",
                                "bring it up first: rangectl up FILE")
    return ScoredExercise(state, plan)


def open_scored(exercise: str | None) -> ScoredExercise:
    """The exercise named, or the only one in the state directory, ready to score.

    Only the state directory is asked (no Docker engine): scoring reads files."""
    return load_scored(ExerciseState(resolve_exercise(None, exercise)))


def read_events(state: ExerciseState) -> list[Event]:
    """The exercise's events in order; none before its clock first ran."""
    if not state.events_path.exists():
        return []
    store = EventStore(state.events_path)
    try:
        return list(store.read())
    finally:
        store.close()


def record_event(state: ExerciseState, event: Payload) -> int:
    """Record one white-cell event (its kind says `by` white-cell); return its seq.

    The store is opened for this one event and closed again, so a command never
    holds it open beside a running `rangectl run`."""
    store = EventStore(state.events_path)
    try:
        return store.record(event)
    finally:
        store.close()


class EventFollower:
    """An exercise's plan and events, read incrementally: each look reads only the
    events appended since the last one, so following a long exercise stays cheap."""

    def __init__(self, exercise: ScoredExercise) -> None:
        self.exercise = exercise
        self.events: list[Event] = []

    @property
    def plan(self) -> Plan:
        return self.exercise.plan

    @property
    def seq(self) -> int:
        return self.events[-1].seq if self.events else 0

    def refresh(self) -> bool:
        """Read what was appended since the last look; True if there was anything."""
        path = self.exercise.state.events_path
        if not path.exists():
            return False
        before = self.seq
        store = EventStore(path)
        try:
            self.events.extend(store.read(since=before))
        finally:
            store.close()
        return self.seq != before


class LiveDocument:
    """A document of the exercise as of its latest event, rebuilt only when events
    were appended: a watcher asks every second or two, and most times nothing new
    happened, so scoring a long exercise again each time would be waste."""

    def __init__(self, exercise: ScoredExercise, build: Builder) -> None:
        self.follower = EventFollower(exercise)
        self.build = build
        self.latest: tuple[int, Document] | None = None

    @property
    def exercise(self) -> ScoredExercise:
        return self.follower.exercise

    def snapshot(self) -> tuple[int, Document]:
        """(the last event's seq, the document as of it)."""
        self.follower.refresh()
        seq = self.follower.seq
        if self.latest is None or self.latest[0] != seq:
            self.latest = (seq, self.build(self.follower.plan, self.follower.events))
        return self.latest


def live_scoreboard(exercise: ScoredExercise) -> LiveDocument:
    """The scoreboard document, followed: what `rangectl score` shows."""
    return LiveDocument(exercise, scoreboard_document)


def live_report(exercise: ScoredExercise) -> LiveDocument:
    """The report document as the live page shows it (standings, score over time,
    inject outcomes; not the long sections), followed: what `rangectl serve` serves."""
    return LiveDocument(exercise, _live_page)


def _live_page(plan: Plan, events: Sequence[Event]) -> Document:
    return build_report(plan, events, full=False)


def after_action_report(exercise: ScoredExercise, form: str) -> str:
    """The after-action report as of the latest event, as text in `form` (html, md
    or json)."""
    return render(build_report(exercise.plan, exercise.events()), form)


def report_path(exercise: ScoredExercise, form: str) -> Path:
    """Where a report goes when the white cell names no file: the exercise's own
    reports/ folder, one file per format, replaced by the next report."""
    return exercise.state.directory / "reports" / f"{exercise.name}.{form}"
