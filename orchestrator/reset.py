"""Putting one host of a running range back: recreate it, configure it again, wait for it.

A reset is what a team asks for when a host is wrecked (by the red team, or by
its own hand) and the exercise must go on: the host's container is made again
from its image, or from a snapshot the team took of it (`rangectl snapshot`),
on the same addresses, then provisioned again with the team's own secrets and
seeded weaknesses, while the clock runs and the rest of the range is left
alone. It ends when the host's own checks pass again (bounded), so its
`seconds` are what a team waited; the outage in between is seen by the
engine's checks as any outage is, and the scoring model charges each reset by
the scenario's `host_reset` rule.

Only the range's hosts can be reset: red, the scorebot and the bastion are
rangectl's own, and a reset of one of them is refused with the reason, as is a
second reset of a host whose first is still under way (a lock per host in the
exercise's state, so two controllers, or a controller and the engine, cannot
race). Every start, end and refusal is an event.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from orchestrator.deploy import in_host_roles, team_access
from orchestrator.errors import InvalidInputError, RangectlError, RuntimeFailureError
from orchestrator.events.kinds import (
    RESET_PREFIX,
    WHITE_CELL,
    HostResetFinished,
    HostResetRefused,
    HostResetStarted,
    SnapshotTaken,
)
from orchestrator.events.store import Event, EventStore
from orchestrator.exercise.run_lock import try_lock
from orchestrator.plan.model import Plan, TeamRange
from orchestrator.provision import TaskProgress, provision_host
from orchestrator.runtime.backend import RangeBackend
from orchestrator.scenario.loader import LoadedScenario
from orchestrator.scorebot import CheckResult, run_checks
from orchestrator.secrets import load_secrets
from orchestrator.state import ExerciseState

SNAPSHOT_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,39}")
MAX_REASON = 300
READY_TIMEOUT = 90.0  # seconds for the host's checks to pass once it is configured


def not_a_snapshot_name(name: str) -> str:
    return (f"'{name[:64]}' is not a snapshot name (lower-case letters, digits, '.', '_' and "
            "'-', at most 40)")


@dataclass(frozen=True)
class ResetOrder:
    """One reset asked for: of which host, by whom, why, and back to what."""

    team: str
    host: str
    by: str
    reason: str
    to: str | None = None  # a snapshot's name; None: the host's image, as planned
    request: int | None = None  # the `control.reset` event it answers, if any


class ResetRefusedError(InvalidInputError):
    """A reset or snapshot that is not done; the message says why."""


class HostResets:
    """Resets and snapshots of one exercise's hosts, each recorded as events.

    `loaded` gives the scenario `up` configured the range from; it is asked for
    on the first reset only, so an engine whose scenario file went missing runs
    on and refuses resets with the reason."""

    def __init__(self, backend: RangeBackend, state: ExerciseState, plan: Plan,
                 store: EventStore, loaded: Callable[[], LoadedScenario],
                 now: Callable[[], float],
                 on_task: Callable[[TaskProgress], None] = lambda _task: None) -> None:
        self.backend, self.state, self.plan, self.store = backend, state, plan, store
        self.loaded, self.now, self.on_task = loaded, now, on_task

    def refusal(self, team: str, host: str, to: str | None = None) -> str | None:
        """Why a reset of `host` of `team` cannot be done; None when it can."""
        teams = {planned.team: planned for planned in self.plan.teams}
        if team not in teams:
            return f"the exercise has no team '{team[:64]}' (teams: {', '.join(teams)})"
        planned = teams[team]
        names = {h.name: h for h in planned.hosts}
        resettable = sorted(name for name, h in names.items() if h.role == "range")
        if host not in names:
            return (f"team '{team}' has no host '{host[:64]}' (range hosts: "
                    f"{', '.join(resettable)})")
        if names[host].role != "range":
            return (f"'{host}' is one of rangectl's own hosts ({names[host].role}), not the "
                    f"range's: only range hosts are reset ({', '.join(resettable)})")
        if to is not None:
            if not SNAPSHOT_NAME.fullmatch(to):
                return not_a_snapshot_name(to)
            if to not in self.backend.snapshots(self.plan.exercise, team, host):
                return f"team '{team}', host '{host}' has no snapshot '{to}'"
        return None

    def reset(self, order: ResetOrder) -> HostResetFinished | HostResetRefused:
        """Do the reset (or refuse it), recording each step; the event it ended with.

        Nothing is raised but an interrupt (recorded as a failed end first): a
        reset runs in the engine beside the ticks, and must never stop them."""
        try:
            refused = self.refusal(order.team, order.host, order.to)
            if refused is None:
                self.loaded()  # a scenario gone or changed: refused before the host is touched
        except RangectlError as exc:
            refused = exc.message[:MAX_REASON]
        except Exception as exc:  # the engine could not list the snapshots
            refused = f"cannot look at the host: {type(exc).__name__}: {exc}"[:MAX_REASON]
        if refused is not None:
            return self.refuse(order, refused)
        with self._host_lock(order.team, order.host) as held:
            if not held:
                return self.refuse(order, "a reset of this host is already under way")
            return self._reset_held(order)

    def _reset_held(self, order: ResetOrder) -> HostResetFinished:
        started = time.monotonic()
        self.store.record(HostResetStarted(
            team=order.team, host=order.host, t=self.now(), by=order.by,
            reason=" ".join(order.reason.split())[:MAX_REASON], to=order.to,
            request=order.request))
        error = ""
        try:
            self._put_back(order)
        except RangectlError as exc:
            error = exc.message[:MAX_REASON]
        except Exception as exc:  # an engine or Ansible failure: recorded, never raised
            error = f"{type(exc).__name__}: {exc}"[:MAX_REASON]
        except BaseException:  # Ctrl-C: the reset ends, failed, in the record too
            self.store.record(self._finished(order, started, "interrupted"))
            raise
        finished = self._finished(order, started, error)
        self.store.record(finished)
        return finished

    def _finished(self, order: ResetOrder, started: float, error: str) -> HostResetFinished:
        return HostResetFinished(team=order.team, host=order.host, t=self.now(),
                                 seconds=round(time.monotonic() - started, 2), ok=not error,
                                 error=error, request=order.request)

    def snapshot(self, team: str, host: str, name: str, by: str) -> SnapshotTaken:
        """Save the host's file system as snapshot `name`; raise ResetRefusedError why not."""
        refused = self.refusal(team, host)
        if refused is None and not SNAPSHOT_NAME.fullmatch(name):
            refused = not_a_snapshot_name(name)
        if refused is not None:  # before any lock: its file is named after team and host
            self._refuse_snapshot(team, host, by, refused)
        with self._host_lock(team, host) as held:  # never of a host half made again
            if not held:
                self._refuse_snapshot(team, host, by, "a reset of this host is under way")
            self.backend.snapshot_host(self.plan.exercise, team, host, name)
        taken = SnapshotTaken(team=team, host=host, t=self.now(), by=by, name=name)
        self.store.record(taken)
        return taken

    def _refuse_snapshot(self, team: str, host: str, by: str, reason: str) -> None:
        self.store.record(HostResetRefused(team=team[:64], host=host[:64], t=self.now(), by=by,
                                           reason=reason))
        raise ResetRefusedError(reason, "rangectl status lists the hosts")

    def refuse(self, order: ResetOrder, reason: str) -> HostResetRefused:
        """Record that `order` is not done, and why."""
        refused = HostResetRefused(team=order.team[:64], host=order.host[:64], t=self.now(),
                                   by=order.by, reason=reason, request=order.request)
        self.store.record(refused)
        return refused

    def close_interrupted(self) -> None:
        """End, failed, the resets a controller that died left started: each host whose
        lock nobody holds (a reset still under way elsewhere holds its host's)."""
        open_resets: dict[tuple[str, str], Event] = {}
        for event in self.store.read(RESET_PREFIX):
            key = (event.team or "", event.host or "")
            if event.kind == HostResetStarted.kind:
                open_resets[key] = event
            elif event.kind == HostResetFinished.kind:
                open_resets.pop(key, None)
        for (team, host), event in open_resets.items():
            with self._host_lock(team, host) as held:
                if held:
                    request = event.data.get("request")
                    self.store.record(HostResetFinished(
                        team=team, host=host, t=self.now(), seconds=0.0, ok=False,
                        error="the controller stopped while it ran; reset the host again",
                        request=int(request) if isinstance(request, int) else None))

    def _put_back(self, order: ResetOrder) -> None:
        loaded = self.loaded()
        self.backend.reset_host(self.plan, order.team, order.host, order.to)
        secrets = load_secrets(self.state)
        if order.to is None:  # a snapshot is configured already, as the team left it
            provision_host(loaded.scenario, self.plan, order.team, order.host, secrets,
                           team_access(self.state, loaded, self.plan), self.store,
                           self.state.directory / "ansible-resets" / order.team / order.host,
                           self.on_task,
                           self.backend.engine_url(self.plan.exercise, order.team),
                           in_host=in_host_roles(self.backend, loaded))
        self._wait_for_checks(self.plan.team(order.team), order.host,
                              secrets.get(order.team, {}))

    def _wait_for_checks(self, team: TeamRange, host: str, secrets: dict[str, str]) -> None:
        """Until every check of the host passes, from the team's scorebot (bounded)."""
        own = team.model_copy(update={"checks": tuple(c for c in team.checks
                                                      if c.host == host)})
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            failing = [r for r in run_checks(self.backend, self.plan.exercise, own, secrets)
                       if r.result != CheckResult.OK]
            if not failing:
                return
            if time.monotonic() > deadline:
                raise RuntimeFailureError("its checks still fail after the reset: " + "; ".join(
                    f"{r.check_id} {r.result} ({r.detail})" for r in failing)[:MAX_REASON])
            time.sleep(1)

    def _host_lock(self, team: str, host: str) -> AbstractContextManager[bool]:
        """Held while one host is reset: True if this process holds it."""
        folder = self.state.directory / "resets"
        folder.mkdir(mode=0o700, exist_ok=True)
        return try_lock(folder / f"{team}.{host}.lock")


def parse_order(request: Event) -> ResetOrder:
    """The order a `control.reset` event holds (its team and host are the envelope's)."""
    data = request.data if isinstance(request.data, dict) else {}
    to = data.get("to")
    return ResetOrder(team=request.team or "", host=request.host or "",
                      by=str(data.get("by") or WHITE_CELL), reason=str(data.get("reason", "")),
                      to=str(to) if to else None, request=request.seq)
