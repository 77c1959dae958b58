"""What a backend reports while it works; the CLI renders these as progress.

Backends never print: they emit these events, so the same deployment can feed
a progress bar, a log, or (later) the exercise's event store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Action = Literal["created", "reused", "started", "unchanged", "recreated", "removed"]


@dataclass(frozen=True)
class NetworkChanged:
    team: str
    network: str
    action: Action


@dataclass(frozen=True)
class HostChanged:
    team: str
    host: str
    action: Action


RuntimeEvent = NetworkChanged | HostChanged
EventSink = Callable[[RuntimeEvent], None]


def ignore(_event: RuntimeEvent) -> None:
    """An event sink for callers that do not watch progress."""
