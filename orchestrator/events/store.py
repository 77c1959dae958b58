"""An append-only event store in SQLite (WAL), one database per exercise.

Every fact of an exercise (a host provisioned, a check completed, an inject
fired) is an event with a sequence number and a UTC time. Each append is its
own committed transaction, so a controller killed at any moment loses nothing
it had recorded; scores and reports are computed from these events alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestrator.events.payload import Payload

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    kind TEXT NOT NULL,
    team TEXT,
    host TEXT,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_kind ON events (kind, seq);
"""


_INSERT = "INSERT INTO events (time, kind, team, host, data) VALUES (?, ?, ?, ?, ?)"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _row(stamp: str, kind: str, team: str | None, host: str | None,
         data: dict[str, Any]) -> tuple[str, str, str | None, str | None, str]:
    """One event as stored: what `append` and `record_all` both write."""
    return stamp, kind, team, host, json.dumps(data, sort_keys=True, default=str)


def _make_private(path: Path) -> None:
    """Create the database 0600 before SQLite opens it (SQLite would create it 0644,
    and its -wal and -shm files after it), and make an older one private again."""
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError, PermissionError):  # not ours: leave it
            if file.stat().st_mode & 0o077:
                os.chmod(file, 0o600)


@dataclass(frozen=True)
class Event:
    seq: int
    time: str
    kind: str
    team: str | None
    host: str | None
    data: dict[str, Any]


class EventStore:
    """Append and read one exercise's events; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _make_private(path)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def append(self, kind: str, *, team: str | None = None, host: str | None = None,
               **data: Any) -> int:
        """Record one event now; return its sequence number."""
        with self._lock:
            cursor = self._db.execute(_INSERT, _row(_now(), kind, team, host, data))
        return int(cursor.lastrowid or 0)

    def record(self, event: Payload) -> int:
        """Record one event of a declared kind (orchestrator/events/kinds.py) now: the
        typed way to append, storing exactly what `append` would with its fields."""
        team, host = event.envelope
        return self.append(event.kind, team=team, host=host, **event.data())

    def record_all(self, events: Sequence[Payload]) -> None:
        """Record several events in one transaction: all of them, or (if the controller
        dies) none. A tick's 504 check results at 24 teams cost one commit, not 504."""
        stamp = _now()
        rows = [_row(stamp, event.kind, *event.envelope, event.data()) for event in events]
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany(_INSERT, rows)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def read(self, kind_prefix: str = "", since: int = 0) -> Iterator[Event]:
        """Events after `since` whose kind starts with `kind_prefix`, in order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, time, kind, team, host, data FROM events "
                "WHERE seq > ? AND kind LIKE ? ORDER BY seq", (since, f"{kind_prefix}%"),
            ).fetchall()
        for seq, time, kind, team, host, data in rows:
            yield Event(seq, time, kind, team, host, json.loads(data))

    def close(self) -> None:
        with self._lock:
            self._db.close()
