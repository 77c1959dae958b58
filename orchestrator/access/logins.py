"""Trainee logins on the bastions, read from sshd's log, as events.

Every login and every refused login on a team's bastion becomes an event
(`trainee.logged_in`, `trainee.login_refused`) for the instructors and the
after-action report. The reader keeps a cursor (the last log time it read) in
the event store, so reading again never records a login twice.
"""

from __future__ import annotations

import re
from datetime import datetime

from orchestrator.events.store import EventStore
from orchestrator.runtime.backend import RangeBackend

_ACCEPTED = re.compile(r"Accepted (\S+) for (\S+) from (\S+) port (\d+)")
_FAILED = re.compile(r"Failed (\S+) for (?:invalid user )?(\S+) from (\S+) port (\d+)")
_INVALID = re.compile(r"Invalid user (\S*) from (\S+) port (\d+)")
_CLOSED = re.compile(
    r"(?:Connection closed|Disconnected) by authenticating user (\S+) (\S+) port (\d+)")
CURSOR = "bastion.log_read"


def collect_logins(backend: RangeBackend, exercise: str, teams: list[str],
                   store: EventStore) -> int:
    """Record the logins since the last read, for each team's bastion; return how many."""
    recorded = 0
    for team in teams:
        cursors = [e.data["until"] for e in store.read(CURSOR) if e.team == team]
        cursor = cursors[-1] if cursors else ""
        since = _seconds(cursor) if cursor else None
        lines = [(_sortable(stamp), text) for stamp, text in
                 backend.host_logs(exercise, team, "bastion", since)
                 if _sortable(stamp) > cursor]
        refused_ports: set[str] = set()
        for stamp, text in lines:
            event = _login_event(text, refused_ports)
            if event is not None:
                kind, data = event
                store.append(kind, team=team, host="bastion", at=stamp, **data)
                recorded += 1
        if lines:
            store.append(CURSOR, team=team, until=lines[-1][0])
    return recorded


def _login_event(text: str, refused_ports: set[str]) -> tuple[str, dict[str, str]] | None:
    if match := _ACCEPTED.search(text):
        method, user, source, port = match.groups()
        return "trainee.logged_in", {"user": user, "method": method, "source": source,
                                     "port": port}
    if match := _FAILED.search(text):
        method, user, source, port = match.groups()
        first = port not in refused_ports
        refused_ports.add(port)
        return ("trainee.login_refused", {"user": user, "reason": f"{method} refused",
                                          "source": source, "port": port}) if first else None
    if match := _INVALID.search(text):
        user, source, port = match.groups()
        refused_ports.add(port)
        return "trainee.login_refused", {"user": user or "?", "reason": "no such user",
                                         "source": source, "port": port}
    if (match := _CLOSED.search(text)) and "[preauth]" in text:
        user, source, port = match.groups()
        if port in refused_ports:
            return None
        refused_ports.add(port)
        return "trainee.login_refused", {"user": user, "reason": "no accepted key",
                                         "source": source, "port": port}
    return None


def _sortable(stamp: str) -> str:
    """Docker trims trailing zeros of the nanoseconds; pad them so text order is time order."""
    match = re.match(r"^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$", stamp)
    if not match:
        return stamp
    return f"{match.group(1)}.{(match.group(2) or '').ljust(9, '0')}Z"


def _seconds(stamp: str) -> float:
    """Docker's RFC 3339 time (nanoseconds) as seconds since the epoch."""
    trimmed = re.sub(r"(\.\d{6})\d*", r"\1", stamp).replace("Z", "+00:00")
    return datetime.fromisoformat(trimmed).timestamp()
