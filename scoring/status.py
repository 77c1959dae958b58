"""Where an exercise is (not started, running, finished) and its clock, from its events.

Its own module because every view shows it and a white-cell penalty without
`--at` is dated by it: the scoreboard document, the report, the live page and
`rangectl penalize` all read the exercise clock the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from orchestrator.events.kinds import (
    ExerciseFinished,
    ExerciseResumed,
    ExerciseStarted,
    TickCompleted,
)
from scoring.facts import EventLike


def exercise_status(events: Iterable[EventLike], duration: float) -> dict[str, Any]:
    """Where the exercise is, from its events in sequence order; its clock reads at
    most its duration (the last tick may end a moment after it)."""
    status: dict[str, Any] = {"state": "not started", "started": "", "finished": "",
                              "last_tick": -1, "t": 0.0, "early": False}
    for event in events:
        if event.kind == ExerciseStarted.kind and not status["started"]:
            status.update(state="running", started=event.time)
        elif event.kind == ExerciseResumed.kind:
            status["state"] = "running"
            status["started"] = status["started"] or event.time
        elif event.kind == TickCompleted.kind:
            status["last_tick"] = max(status["last_tick"], int(event.data["tick"]))
            status["t"] = max(status["t"], float(event.data["t"]))
        elif event.kind == ExerciseFinished.kind:
            status.update(state="finished", finished=event.time,
                          early=bool(event.data.get("early")),
                          t=max(status["t"], float(event.data.get("t", 0.0))))
    status["t"] = min(status["t"], float(duration))
    return status
