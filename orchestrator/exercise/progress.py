"""Where a previous run of an exercise stopped, read from its events.

The engine resumes from this (the clock at the exercise time it had reached,
the next tick, only the injects not yet fired) and `rangectl run` tells from
it whether an exercise is new, to resume or finished. A pure function of the
events, so a resume after any crash is tested without a clock or threads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from orchestrator.events.kinds import (
    CONTROL_PREFIX,
    ExerciseFinished,
    InjectCompleted,
    InjectFired,
    InjectInterrupted,
    TickCompleted,
)
from orchestrator.events.store import Event


@dataclass(frozen=True)
class Progress:
    """Where a previous run stopped: the exercise time and last tick it reached,
    the (team, inject) pairs it fired and ended, and the last white-cell request
    it saw (requests made while no engine ran are void)."""

    time: float
    last_tick: int
    fired: frozenset[tuple[str, str]]
    completed: frozenset[tuple[str, str]]
    finished: bool
    last_control: int

    @property
    def started(self) -> bool:
        """Whether the clock has run before (so this run resumes it)."""
        return self.last_tick >= 0 or bool(self.fired)

    @property
    def interrupted(self) -> list[tuple[str, str]]:
        """The injects that were fired and never ended: cut off by a crash."""
        return sorted(self.fired - self.completed)


def read_progress(events: Iterable[Event]) -> Progress:
    last_time, last_tick, finished, last_control = 0.0, -1, False, 0
    fired: set[tuple[str, str]] = set()
    completed: set[tuple[str, str]] = set()
    for event in events:
        if event.kind.startswith(CONTROL_PREFIX):
            last_control = event.seq
        elif event.kind == ExerciseFinished.kind:
            finished = True
        elif event.kind == TickCompleted.kind:
            last_tick = max(last_tick, int(event.data["tick"]))
            last_time = max(last_time, float(event.data["t"]))
        elif event.kind == InjectFired.kind and not event.data.get("manual"):
            fired.add((event.team or "", event.data["inject"]))
            last_time = max(last_time, float(event.data["t"]))
        elif event.kind in (InjectCompleted.kind, InjectInterrupted.kind):
            completed.add((event.team or "", event.data["inject"]))
    return Progress(last_time, last_tick, frozenset(fired), frozenset(completed), finished,
                    last_control)
