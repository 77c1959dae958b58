"""Collect the reset requests trainees filed on their bastion (`reset HOST`), as events.

A trainee's request takes the same road as an incident report: a file in a
spool of the bastion (`/var/spool/rangectl/requests`, made in
images/bastion/Dockerfile), read each tick by the unprivileged spool reader
(orchestrator/agents/spool_reader.py). What the file says is a trainee's, so
it is checked here: one JSON object with `host`, an optional `reason` and an
optional snapshot `to`, nothing else. The team is the bastion's and the
requester the account that owns the file, never what the file claims; so a
request can only ever reset a host of the requester's own range, and it is
charged to that team like a white cell's. A valid request becomes
`control.reset` (the engine acts on it as on `rangectl reset`); anything else
`host.reset_refused`, with the reason.
"""

from __future__ import annotations

import json

from orchestrator.errors import unprintable
from orchestrator.events.kinds import CONTROL_PREFIX, HostResetRefused, ResetRequested
from orchestrator.events.store import EventStore
from orchestrator.exercise.incidents import SpoolCollector, SpoolEntry, unreadable
from orchestrator.reset import SNAPSHOT_NAME
from orchestrator.runtime.backend import RangeBackend
from orchestrator.scenario.types import is_name

REQUESTS = "/var/spool/rangectl/requests"
ARCHIVE = "/var/spool/rangectl/requests-archive"
KEYS = frozenset({"host", "reason", "to"})
MAX_TEXT = 4096
MAX_REASON = 300


class RequestError(ValueError):
    """Why a request file is not a request."""


def parse_request(text: str) -> tuple[str, str, str | None]:
    """(host, reason, snapshot) from a request file; RequestError saying what is wrong."""
    if len(text) > MAX_TEXT:
        raise RequestError(f"larger than {MAX_TEXT} bytes")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise RequestError("not JSON") from None
    if not isinstance(document, dict):
        raise RequestError("not a JSON object")
    unknown = sorted(set(document) - KEYS)
    if unknown:
        raise RequestError(f"unknown key '{str(unknown[0])[:40]}' (a request has host, "
                           "reason, to)")
    host, reason, to = document.get("host"), document.get("reason", ""), document.get("to")
    if not isinstance(host, str) or not is_name(host):
        raise RequestError("'host' must be the name of a host of your range")
    if not isinstance(reason, str) or any(unprintable(char) for char in reason):
        raise RequestError("'reason' must be printable text")
    if to is not None and (not isinstance(to, str) or not SNAPSHOT_NAME.fullmatch(to)):
        raise RequestError("'to' must be the name of a snapshot")
    return host, " ".join(reason.split())[:MAX_REASON], to


def judge_request(entry: SpoolEntry, team: str, t: float) -> ResetRequested | HostResetRefused:
    """The event a request file becomes, collected at exercise time `t`."""
    by = f"trainee:{entry.owner}" if entry.owner else "trainee"
    reason = unreadable(entry)
    if reason is None and entry.text is not None:
        try:
            host, why, to = parse_request(entry.text)
        except RequestError as exc:
            reason = str(exc)
        else:
            return ResetRequested(team=team, host=host, reason=why or "asked by the team",
                                  to=to, by=by, file=entry.file)
    return HostResetRefused(team=team, host="", t=t, by=by, reason=reason or "unreadable",
                            file=entry.file)


def known_requests(store: EventStore, team: str) -> set[str]:
    """The request files of a team already recorded, taken or refused."""
    return {str(event.data["file"])
            for prefix in (CONTROL_PREFIX, HostResetRefused.kind)
            for event in store.read(prefix)
            if event.team == team and event.kind in (ResetRequested.kind, HostResetRefused.kind)
            and isinstance(event.data, dict) and event.data.get("file")}


def request_collector(backend: RangeBackend, exercise: str, team: str,
                      store: EventStore) -> SpoolCollector:
    """The collector of a team's reset requests, from its bastion's request spool."""
    return SpoolCollector(backend, exercise, team, store, judge_request,
                          known_requests(store, team), paths=(REQUESTS, ARCHIVE))
