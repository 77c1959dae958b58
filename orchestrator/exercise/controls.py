"""The white cell's hold on a running exercise: pause, resume, stop, fire by hand, reset.

Requests arrive as events (`rangectl pause` and the others append them to the
store; no socket, no signal), so a request made from another terminal, or by
a controller on another shell, is seen within a second and recorded beside
what it caused. Requests made while no engine ran are void: a run starts
from the last one a previous run saw.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from orchestrator.events.kinds import (
    CONTROL_PREFIX,
    ClockPaused,
    ClockResumed,
    InjectRequested,
    PauseRequested,
    RequestRefused,
    ResetRequested,
    ResumeRequested,
    StopRequested,
)
from orchestrator.events.store import Event, EventStore
from orchestrator.exercise.clock import Clock

ManualInject = Callable[[str, str], None]  # (inject, team): fire it now
ManualReset = Callable[[Event], None]  # a `control.reset` request: do it


class WhiteCellControls:
    """Acts on the white cell's requests while the engine waits for its next moment."""

    def __init__(self, store: EventStore, clock: Clock, fire_by_hand: ManualInject,
                 since: int, interval: float = 1.0,
                 reset_by_hand: ManualReset | None = None) -> None:
        self.store = store
        self.clock = clock
        self.fire_by_hand = fire_by_hand
        self.reset_by_hand = reset_by_hand
        self.seq = since  # the last request acted on
        self.interval = interval  # real seconds between looks at the store
        self.paused = False
        self.stopped = False  # a white-cell stop: the exercise is finished, early

    def wait_until(self, moment: float, stop: threading.Event,
                   on_look: Callable[[], None] = lambda: None) -> bool:
        """Wait for exercise time `moment`, acting on requests at least every
        `interval` real seconds (and calling `on_look` after each look); False if
        stopped first, by `stop` or by the white cell."""
        step = self.interval * float(getattr(self.clock, "speed", 1.0))
        while True:
            self._act(stop, on_look)
            if stop.is_set():
                return False
            if not self.clock.wait_until(min(moment, self.clock.now() + step), stop):
                return False
            if self.clock.now() >= moment:
                return True

    def _act(self, stop: threading.Event, on_look: Callable[[], None]) -> None:
        """Act on new requests; while paused, keep looking until resumed or stopped."""
        self.read(stop)
        on_look()
        while self.paused and not stop.is_set():
            stop.wait(self.interval)
            self.read(stop)
            on_look()

    def read(self, stop: threading.Event) -> None:
        """Pause, resume, stop, manual injects and resets asked for since the last look."""
        for event in list(self.store.read(CONTROL_PREFIX, since=self.seq)):
            self.seq = event.seq
            if event.kind == PauseRequested.kind and not self.paused:
                self.clock.pause()
                self.paused = True
                self.store.record(ClockPaused(t=self.clock.now()))
            elif event.kind == ResumeRequested.kind and self.paused:
                self.clock.resume()
                self.paused = False
                self.store.record(ClockResumed(t=self.clock.now()))
            elif event.kind == StopRequested.kind:
                self.stopped = True
                stop.set()
            elif event.kind == InjectRequested.kind:
                self.fire_by_hand(str(event.data["inject"]), event.team or "")
            elif event.kind == ResetRequested.kind:
                if self.reset_by_hand is None:
                    self.store.record(RequestRefused(
                        reason="this engine cannot reset hosts (it has no scenario)"))
                else:
                    self.reset_by_hand(event)
