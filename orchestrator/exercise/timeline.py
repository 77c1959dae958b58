"""The exercise's timeline: which moments come, in order, and what each one holds.

A moment is an exercise time at which ticks are due (every team's checks) or
injects are (fired for every team at once), or both. Which moments remain
depends only on the plan and on how far a previous run got, so this is pure:
the engine waits for each moment on its clock and acts; the tests walk a
timeline with no clock and no threads.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from orchestrator.exercise.progress import Progress
from orchestrator.plan.model import Plan


@dataclass(frozen=True)
class Moment:
    """An exercise time, the injects to fire at it (by name, in offset order) and
    the tick to run at it (None: no tick is due)."""

    t: float
    injects: tuple[str, ...] = ()
    tick: int | None = None


class Timeline:
    """The moments left of a plan's timeline after `progress`, in order.

    An inject is left while any team has not fired it (a crash between two
    teams' firings leaves it for the rest); ticks go on from the one after the
    last completed, every `plan.tick` seconds, up to the duration included."""

    def __init__(self, plan: Plan, progress: Progress) -> None:
        self.tick_seconds = plan.tick
        self.duration = plan.duration
        self.next_tick = progress.last_tick + 1
        every = sorted({(i.offset, i.name) for team in plan.teams for i in team.injects})
        self.pending: list[tuple[int, str]] = [
            (offset, name) for offset, name in every
            if any((team.team, name) not in progress.fired for team in plan.teams)]

    def upcoming(self, count: int = 3) -> list[tuple[int, str]]:
        """The next `count` injects, (offset, name), for the live view."""
        return self.pending[:count]

    def __iter__(self) -> Iterator[Moment]:
        while True:
            tick_at = self.next_tick * self.tick_seconds
            due = [m for m in (tick_at if tick_at <= self.duration else None,
                               self.pending[0][0] if self.pending else None) if m is not None]
            if not due:
                return
            moment = min(due)
            injects: list[str] = []
            while self.pending and self.pending[0][0] <= moment:
                injects.append(self.pending.pop(0)[1])
            tick = None
            if tick_at <= min(moment, self.duration):
                tick, self.next_tick = self.next_tick, self.next_tick + 1
            yield Moment(float(moment), tuple(injects), tick)
