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
def try_lock(path: Path) -> Iterator[bool]:
    """Hold the file lock at `path` if nobody else does: True while held, False at once
    when another process (or another open of the file) holds it."""
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def hold_engine_lock(state: ExerciseState) -> Iterator[None]:
    with try_lock(_path(state)) as held:
        if not held:
            raise InvalidInputError(f"exercise '{state.exercise}' is already running",
                                    "act on it with rangectl pause|resume|stop|inject")
        yield


def engine_running(state: ExerciseState) -> bool:
    with try_lock(_path(state)) as held:
        return not held
