"""One `up` at a time plans and creates on an engine.

Subnets and bastion ports are chosen around what the engine already holds; two
`up`s choosing at the same moment (two controllers, two state directories,
a test suite beside a live exercise) could pick the same ones. A machine-wide
file lock serialises that short phase; provisioning runs outside it.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def lock_path() -> Path:
    run_lock = Path("/run/lock")
    if run_lock.is_dir() and os.access(run_lock, os.W_OK):
        return run_lock / "rangectl-engine.lock"
    return Path(tempfile.gettempdir()) / "rangectl-engine.lock"


@contextmanager
def engine_lock() -> Iterator[None]:
    with lock_path().open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
