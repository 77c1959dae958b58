"""The contract a runtime backend fulfils: the local Docker engine, or a Docker Swarm.

The planner, the exercise engine and scoring talk to ranges only through this
protocol, so nothing above this layer knows which engine runs the range.
Backends take a plan and return plain values; handles stay inside them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from orchestrator.images.builder import ImageBuilder, ProgressSink
from orchestrator.plan.model import Plan
from orchestrator.runtime.events import EventSink


@dataclass(frozen=True)
class PublishedPort:
    """Where a team's bastion SSH port is published on the controller machine."""

    address: str
    port: int


@dataclass(frozen=True)
class HostStatus:
    team: str
    host: str
    role: str
    state: str  # running, exited, created, missing...
    detail: str
    addresses: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DeployReport:
    created: int
    unchanged: int
    started: int
    recreated: int


@dataclass(frozen=True)
class TeardownReport:
    containers: int
    networks: int
    volumes: int
    detached: tuple[str, ...] = ()
    """Containers outside the exercise that were still attached to its networks."""
    snapshots: int = 0
    """Snapshot images of the exercise's hosts (`rangectl snapshot`)."""


@dataclass(frozen=True)
class ExecResult:
    exit_code: int
    output: str


class HostSession(Protocol):
    """A long-running process on a range host that answers each line it is sent."""

    def request(self, line: str, timeout: float) -> str:
        """Send one line; return the next line the process prints."""
        ...

    def close(self) -> None:
        ...


class RangeBackend(Protocol):
    """Create, inspect and remove the ranges of a plan on one engine or one swarm."""

    name: str
    """What `status` and `sites` call it: docker or swarm."""

    def engine_url(self, exercise: str, team: str) -> str:
        """The DOCKER_HOST address of the engine a team's hosts run on: Ansible reaches
        the containers through it, never through a range network."""
        ...

    def reserved_subnets(self, except_exercise: str) -> list[str]:
        """Subnets in use on the engine, other than by `except_exercise`."""
        ...

    def deploy(self, plan: Plan, published: Mapping[str, PublishedPort],
               on_event: EventSink, max_workers: int) -> DeployReport:
        """Make the engine match the plan; idempotent, and finishes a half-done deploy."""
        ...

    def status(self, exercise: str) -> list[HostStatus]:
        """Every host of the exercise found on the engine, with its state."""
        ...

    def teardown(self, exercise: str, on_event: EventSink, max_workers: int) -> TeardownReport:
        """Remove everything labelled with the exercise; idempotent."""
        ...

    def exercises(self) -> Mapping[str, Sequence[str]]:
        """Exercise ids found on the engine, with their teams."""
        ...

    def exec(self, exercise: str, team: str, host: str, command: Sequence[str],
             timeout: float = 60) -> ExecResult:
        """Run a command on a host of a range, through the engine (never a range network)."""
        ...

    def reset_host(self, plan: Plan, team: str, host: str, snapshot: str | None = None) -> None:
        """Recreate one host's container from its image (or a snapshot of it) with the same
        labels, addresses, limits, routes and SSH host keys; nothing else of the range."""
        ...

    def snapshot_host(self, exercise: str, team: str, host: str, name: str) -> str:
        """Save the host's file system as snapshot `name` on its engine; its reference."""
        ...

    def snapshots(self, exercise: str, team: str, host: str) -> list[str]:
        """The names of the snapshots taken of a host in this exercise."""
        ...

    def put_archive(self, exercise: str, team: str, host: str, path: str, data: bytes) -> None:
        """Unpack the tar `data` into the folder `path` of a host, through the engine."""
        ...

    def open_session(self, exercise: str, team: str, host: str, command: Sequence[str],
                     user: str | None = None) -> HostSession:
        """Start `command` on a host, attached through the engine, for line-by-line requests;
        as `user` of the host when given (default: the image's user, root), so a process
        that handles what trainees wrote holds no privilege they could turn against it."""
        ...

    def host_logs(self, exercise: str, team: str, host: str,
                  since: float | None = None) -> list[tuple[str, str]]:
        """The host's log lines (RFC 3339 time, text) since a time in epoch seconds.

        Lines are split at newlines only; anything else a program wrote (a
        carriage return, sshd's line ending) stays in the text.
        """
        ...

    def image_builder(self, on_progress: ProgressSink) -> ImageBuilder:
        """What builds the range's images where this backend runs its hosts.

        No registry is reachable, so images are built, not pulled; where they
        must be built depends on the engine the hosts run on."""
        ...
