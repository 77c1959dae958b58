"""The kinds of event a reset or a snapshot of a host records (orchestrator/reset.py).

Declared apart from orchestrator/events/kinds.py only to keep each module
small; kinds.py re-exports them, so readers and writers import every kind
from there, and `KINDS` holds them like any other. A leaf, as kinds.py is.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.events.payload import Payload

RESET_PREFIX = "host.reset_"


@dataclass(frozen=True, kw_only=True)
class HostResetStarted(Payload, kind="host.reset_started",
                       when="a host is being recreated and provisioned again (a reset)"):
    team: str
    host: str
    t: float  # exercise time
    by: str  # white-cell, or the trainee account that asked on the bastion
    reason: str
    to: str | None = None  # the snapshot it returns to; None: the planned image
    request: int | None = None  # the `control.reset` it answers (None: done by hand)
    omitted_when_none = ("request",)


@dataclass(frozen=True, kw_only=True)
class HostResetFinished(Payload, kind="host.reset_finished",
                        when="a reset ended: `ok`, or why not (`error`)"):
    team: str
    host: str
    t: float
    seconds: float  # from its start until the host's checks passed again (or it failed)
    ok: bool
    error: str = ""
    request: int | None = None
    omitted_when_none = ("request",)


@dataclass(frozen=True, kw_only=True)
class HostResetRefused(Payload, kind="host.reset_refused",
                       when="a reset or snapshot asked for was not done, and why"):
    team: str
    host: str
    t: float
    by: str
    reason: str
    file: str | None = None  # a trainee's request: its file in the bastion's spool
    request: int | None = None
    omitted_when_none = ("file", "request")


@dataclass(frozen=True, kw_only=True)
class SnapshotTaken(Payload, kind="host.snapshot_taken",
                    when="a host's file system was saved as a named snapshot"):
    team: str
    host: str
    t: float
    by: str
    name: str
