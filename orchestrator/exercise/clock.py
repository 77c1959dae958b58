"""Exercise time, separate from wall time, so rehearsals and tests can bend it.

The engine asks the clock for the exercise time (seconds since the start) and
waits on it; `SystemClock` maps it to real time with a speed factor (a 2-hour
scenario at `--speed 60` takes two minutes), `SimulatedClock` jumps instantly
(tests). A resumed exercise starts its clock at the time it had reached, so
time the controller was down does not count.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Exercise seconds since the start."""
        ...

    def wait_until(self, moment: float, stop: threading.Event) -> bool:
        """Wait until exercise time `moment`; False if `stop` was set first."""
        ...

    def pause(self) -> None:
        """Hold the exercise time where it is."""
        ...

    def resume(self) -> None:
        """Let it run again from where it was held."""
        ...


class SystemClock:
    """Real time, `speed` times faster, starting at exercise time `start`."""

    def __init__(self, speed: float = 1.0, start: float = 0.0) -> None:
        self.speed = speed
        self.start = start
        self.origin = time.monotonic()
        self.paused_at: float | None = None

    def now(self) -> float:
        if self.paused_at is not None:
            return self.paused_at
        return self.start + (time.monotonic() - self.origin) * self.speed

    def pause(self) -> None:
        self.paused_at = self.now()

    def resume(self) -> None:
        if self.paused_at is not None:
            self.start, self.origin, self.paused_at = self.paused_at, time.monotonic(), None

    def wait_until(self, moment: float, stop: threading.Event) -> bool:
        remaining = (moment - self.now()) / self.speed
        if remaining > 0:
            return not stop.wait(remaining)
        return not stop.is_set()


class SimulatedClock:
    """Time that moves only when waited on: a whole exercise runs in no time."""

    def __init__(self, start: float = 0.0) -> None:
        self.current = start

    def pause(self) -> None:
        """Simulated time stands still between waits anyway."""

    def resume(self) -> None:
        """See pause."""

    def now(self) -> float:
        return self.current

    def wait_until(self, moment: float, stop: threading.Event) -> bool:
        self.current = max(self.current, moment)
        return not stop.is_set()
