"""A command's run order as data: named steps, each timed and recorded the same way.

`up` is a sequence of steps (build images, plan, deploy, provision, gate)
rather than one long function, as molecule's sequences are: each step is
small and named, a flag such as `--no-provision` chooses a shorter sequence
instead of branching inside the code, and every step's time and outcome
lands in the exercise's events, so an after-action reader sees where an `up`
spent its minutes, or which step it stopped at.

Steps that choose subnets and ports and create objects on the engine are
marked `locked`: consecutive locked steps run under one machine-wide engine
lock (orchestrator/runtime/engine_lock.py), taken before the first and
released after the last, so nothing another `up` creates can land between a
plan and its deployment, while long steps (images, Ansible) run unlocked.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

from orchestrator.errors import RangectlError

Context = TypeVar("Context")


@dataclass(frozen=True)
class Step(Generic[Context]):
    """One named step of a sequence; `run` acts on what the steps share."""

    name: str
    run: Callable[[Context], None]
    locked: bool = False  # runs under the engine lock, with its locked neighbours


@dataclass(frozen=True)
class StepTimed:
    """A step that ended: how long it took, and why it failed (None: it did not)."""

    step: str
    seconds: float
    error: str | None = None


StepSink = Callable[[StepTimed], None]


def run_sequence(steps: Sequence[Step[Context]], context: Context, on_step: StepSink,
                 lock: Callable[[], AbstractContextManager[object]]) -> dict[str, float]:
    """Run `steps` in order on `context`; return each one's seconds, in order.

    `on_step` hears of every step that ended, the failed one included, before
    the failure goes on to the caller; the steps after it do not run."""
    seconds: dict[str, float] = {}
    with ExitStack() as held:
        locked = False
        for step in steps:
            if step.locked and not locked:
                held.enter_context(lock())
            elif locked and not step.locked:
                held.close()
            locked = step.locked
            with _timed(step.name, on_step) as timing:
                step.run(context)
            seconds[step.name] = timing.seconds
    return seconds


class _Timing:
    seconds = 0.0


@contextmanager
def _timed(name: str, on_step: StepSink) -> Iterator[_Timing]:
    timing, started = _Timing(), time.monotonic()
    try:
        yield timing
    except BaseException as exc:
        on_step(StepTimed(name, round(time.monotonic() - started, 3), _reason(exc)))
        raise
    timing.seconds = time.monotonic() - started
    on_step(StepTimed(name, round(timing.seconds, 3)))


def _reason(exc: BaseException) -> str:
    """One line for the event: our own errors say it themselves; others by type."""
    if isinstance(exc, RangectlError):
        return exc.message[:400]
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    return f"{type(exc).__name__}: {exc}"[:400]
