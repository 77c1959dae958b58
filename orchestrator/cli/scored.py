"""What the scoring commands read: an exercise's plan and its events.

Scores are recomputed from these each time, never stored, so the commands
need no Docker engine: an exercise that is down (but not purged) can still be
scored, voided and reported on.
"""

from __future__ import annotations

from orchestrator.deploy import resolve_exercise
from orchestrator.errors import InvalidInputError
from orchestrator.events.kinds import Payload
from orchestrator.events.store import Event, EventStore
from orchestrator.plan.model import Plan
from orchestrator.state import ExerciseState


def scored_exercise(exercise: str | None) -> tuple[ExerciseState, Plan]:
    state = ExerciseState(resolve_exercise(None, exercise))
    state.load_record()  # a clear error when there is no such exercise
    plan = state.load_plan()
    if plan is None:
        raise InvalidInputError(f"exercise '{state.exercise}' has no plan to score against",
                                "bring it up first: rangectl up FILE")
    return state, plan


def read_events(state: ExerciseState) -> list[Event]:
    if not state.events_path.exists():
        return []
    store = EventStore(state.events_path)
    try:
        return list(store.read())
    finally:
        store.close()


def record_event(state: ExerciseState, event: Payload) -> int:
    """Record one white-cell event (its kind says `by` white-cell); return its seq."""
    store = EventStore(state.events_path)
    try:
        return store.record(event)
    finally:
        store.close()


class EventFollower:
    """An exercise's plan and events, read incrementally: each look reads only the
    events appended since the last one, so following a long exercise stays cheap."""

    def __init__(self, exercise: str | None) -> None:
        self.state, self.plan = scored_exercise(exercise)
        self.events: list[Event] = []

    @property
    def seq(self) -> int:
        return self.events[-1].seq if self.events else 0

    def refresh(self) -> bool:
        """Read what was appended since the last look; True if there was anything."""
        if not self.state.events_path.exists():
            return False
        before = self.seq
        store = EventStore(self.state.events_path)
        try:
            self.events.extend(store.read(since=before))
        finally:
            store.close()
        return self.seq != before
