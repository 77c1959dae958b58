"""Trainee logins on the bastions, read from sshd's log, as events.

Every login and every refused login on a team's bastion becomes an event
(`trainee.logged_in`, `trainee.login_refused`) for the instructors and the
after-action report. The reader keeps a cursor (the last log time it read) in
the event store, so reading again never records a login twice.
"""

from __future__ import annotations

import re
from datetime import datetime

from orchestrator.events.kinds import BastionLogRead, TraineeLoggedIn, TraineeLoginRefused
from orchestrator.events.store import EventStore
from orchestrator.labels import BASTION
from orchestrator.runtime.backend import RangeBackend

# The bastion's sshd logs through syslog (images/bastion: its syslog relay
# writes only root's messages, one per line, control characters escaped), so
# a line is one whole message of sshd's. The user name in it is what a client
# sent, before any check: it may hold spaces, the words "for" and "from", and
# whole forged messages. So each pattern must match the whole line, from the
# `sshd[PID]: ` the relay wrote to the address and port sshd appends last; a
# greedy user name takes every "from ... port ..." that comes before them.
_SSHD = r"sshd\[\d+\]: "
_USER = r"(?P<user>.+)"
_PEER = r"(?P<source>\S+) port (?P<port>\d+)"
_KEY = r"(?:: .*)?"  # the key's type and fingerprint, after "ssh2"
_ACCEPTED = re.compile(rf"{_SSHD}Accepted (?P<method>\S+) for {_USER} from {_PEER} ssh2{_KEY}")
_FAILED = re.compile(
    rf"{_SSHD}Failed (?P<method>\S+) for (?:invalid user )?{_USER} from {_PEER} ssh2{_KEY}")
_INVALID = re.compile(rf"{_SSHD}Invalid user (?P<user>.*) from {_PEER}")
_CLOSED = re.compile(rf"{_SSHD}(?:Connection closed|Disconnected) by authenticating user "
                     rf"{_USER} {_PEER} \[preauth\]")
_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$")
MAX_LINE = 8192  # sshd's messages are shorter; a longer line is not one of them


def collect_logins(backend: RangeBackend, exercise: str, teams: list[str],
                   store: EventStore) -> int:
    """Record the logins since the last read, for each team's bastion; return how many."""
    recorded = 0
    cursors = {e.team: str(e.data["until"]) for e in store.read(BastionLogRead.kind)}  # last wins
    for team in teams:
        cursor = cursors.get(team, "")
        since = _seconds(cursor) if cursor else None
        lines = [(stamp, text) for stamp, text in
                 ((_sortable(stamp), text) for stamp, text in
                  backend.host_logs(exercise, team, BASTION, since))
                 if stamp is not None and stamp > cursor]
        refused_ports: set[str] = set()
        for stamp, text in lines:
            event = _login_event(text, team, stamp, refused_ports) \
                if len(text) <= MAX_LINE else None
            if event is not None:
                store.record(event)
                recorded += 1
        if lines:
            store.record(BastionLogRead(team=team, until=lines[-1][0]))
    return recorded


def _login_event(text: str, team: str, at: str,
                 refused_ports: set[str]) -> TraineeLoggedIn | TraineeLoginRefused | None:
    """The event one line of sshd's log is, if any (one refusal per connection)."""
    def refused(match: re.Match[str], user: str, reason: str) -> TraineeLoginRefused:
        return TraineeLoginRefused(team=team, at=at, user=user, reason=reason,
                                   source=match["source"], port=match["port"])

    if match := _ACCEPTED.fullmatch(text):
        return TraineeLoggedIn(team=team, at=at, user=match["user"], method=match["method"],
                               source=match["source"], port=match["port"])
    if match := _FAILED.fullmatch(text):
        first = match["port"] not in refused_ports
        refused_ports.add(match["port"])
        return refused(match, match["user"], f"{match['method']} refused") if first else None
    if match := _INVALID.fullmatch(text):
        refused_ports.add(match["port"])
        return refused(match, match["user"] or "?", "no such user")
    if match := _CLOSED.fullmatch(text):
        if match["port"] in refused_ports:
            return None
        refused_ports.add(match["port"])
        return refused(match, match["user"], "no accepted key")
    return None


def _sortable(stamp: str) -> str | None:
    """Docker trims trailing zeros of the nanoseconds; pad them so text order is time
    order. None for what is not a Docker time: it must never become the cursor."""
    match = _TIME.match(stamp)
    if not match:
        return None
    return f"{match.group(1)}.{(match.group(2) or '').ljust(9, '0')}Z"


def _seconds(stamp: str) -> float:
    """Docker's RFC 3339 time (nanoseconds) as seconds since the epoch."""
    trimmed = re.sub(r"(\.\d{6})\d*", r"\1", stamp).replace("Z", "+00:00")
    return datetime.fromisoformat(trimmed).timestamp()
