"""Whether an exercise's clock is running: `rangectl run` holds a lock while it is."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from orchestrator.errors import InvalidInputError
from orchestrator.state import ExerciseState


def _path(state: ExerciseState) -> Path:
    state.create()
    return state.directory / "engine.lock"


@contextmanager
def hold_engine_lock(state: ExerciseState) -> Iterator[None]:
    with _path(state).open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InvalidInputError(f"exercise '{state.exercise}' is already running",
                                    "act on it with rangectl pause|resume|stop|inject") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def engine_running(state: ExerciseState) -> bool:
    with _path(state).open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False
