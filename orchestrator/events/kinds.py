"""Every kind of event rangectl records, and the data each one holds.

The one contract between the writers (deploy, provisioning, the gate, the
engine, the white cell's commands) and the readers (the engine resuming,
scoring, reports): a writer builds a frozen kind and `EventStore.record`
stores it, so a misspelt or missing field is a type error, not a gap in the
after-action report; readers compare `event.kind` with `CheckCompleted.kind`
(orchestrator/events/payload.py holds the base and `KINDS`, every kind by its string).
A kind's string and data keys never change (stored exercises and the golden
fixtures hold them). A leaf (standard library only), so scoring reads it
without the orchestrator; docs/exercise.md lists every kind, field for field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orchestrator.events.payload import Payload
from orchestrator.events.reset_kinds import (  # re-exported: read from here
    RESET_PREFIX as RESET_PREFIX,
    HostResetFinished as HostResetFinished,
    HostResetRefused as HostResetRefused,
    HostResetStarted as HostResetStarted,
    SnapshotTaken as SnapshotTaken,
)
from orchestrator.events.white_cell_kinds import (  # re-exported: read from here
    CONTROL_PREFIX as CONTROL_PREFIX,
    WHITE_CELL as WHITE_CELL,
    ChecksVoided as ChecksVoided,
    InjectRequested as InjectRequested,
    InjectVoided as InjectVoided,
    PauseRequested as PauseRequested,
    PenaltyApplied as PenaltyApplied,
    ReportVoided as ReportVoided,
    RequestRefused as RequestRefused,
    ResetRequested as ResetRequested,
    ResumeRequested as ResumeRequested,
    Ruling as Ruling,
    StopRequested as StopRequested,
)

# --- the clock --------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class _Moment(Payload):
    t: float  # exercise time


class ExerciseStarted(_Moment, kind="exercise.started", when="the clock starts, first time"): ...


class ExerciseResumed(_Moment, kind="exercise.resumed", when="a run after a crash or Ctrl-C"): ...


@dataclass(frozen=True, kw_only=True)
class ExerciseFinished(_Moment, kind="exercise.finished", when="the clock ends (`early`: stopped)"):
    early: bool


@dataclass(frozen=True, kw_only=True)
class _Held(_Moment):
    by: str = WHITE_CELL


class ClockPaused(_Held, kind="clock.paused", when="the engine held the clock (`pause`)"): ...


class ClockResumed(_Held, kind="clock.resumed", when="the engine let it run (`resume`)"): ...


@dataclass(frozen=True, kw_only=True)
class TickCompleted(Payload, kind="tick.completed", when="after a tick's checks"):
    tick: int
    t: float
    seconds: float


# --- checks and injects -------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class CheckCompleted(Payload, kind="check.completed", when="one check of one team, each tick"):
    team: str
    host: str
    service: str
    tick: int
    t: float
    result: str  # ok, degraded, down, error
    detail: str
    elapsed: float


@dataclass(frozen=True, kw_only=True)
class InjectFired(Payload, kind="inject.fired",
                  when="an inject for one team, before it runs; `manual` when fired by hand"):
    team: str
    inject: str
    t: float
    technique: str
    target: str
    source: str
    manual: bool | None = None
    by: str | None = None
    omitted_when_none = ("manual", "by")


@dataclass(frozen=True, kw_only=True)
class InjectCompleted(Payload, kind="inject.completed", when="an inject's attack has ended"):
    team: str
    inject: str
    outcome: str  # succeeded, blocked, error
    started: float  # wall clock
    ended: float
    steps: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True, kw_only=True)
class InjectInterrupted(Payload, kind="inject.interrupted",
                        when="an inject cut off by a controller crash (never fired again)"):
    team: str
    inject: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class InjectSkewMeasured(Payload, kind="inject.skew",
                         when="every team's copy of an inject has run: how far apart they began"):
    inject: str
    skew_ms: float


# --- reports and logins ---------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class IncidentReported(Payload, kind="incident.reported",
                       when="a trainee's report, checked; `id` is its file name"):
    team: str
    host: str | None
    t: float
    file: str
    id: str
    reporter: str
    technique: str
    indicators: tuple[str, ...]
    seen: str
    filed: str
    summary: str


@dataclass(frozen=True, kw_only=True)
class IncidentRejected(Payload, kind="incident.rejected",
                       when="a spool file that is not a valid report"):
    team: str
    t: float
    file: str
    owner: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class _BastionLogin(Payload):
    team: str
    host: str = "bastion"
    at: str  # the sshd log's time
    user: str
    source: str
    port: str


@dataclass(frozen=True, kw_only=True)
class TraineeLoggedIn(_BastionLogin, kind="trainee.logged_in",
                      when="a login on a bastion (`rangectl logins`)"):
    method: str


@dataclass(frozen=True, kw_only=True)
class TraineeLoginRefused(_BastionLogin, kind="trainee.login_refused",
                          when="a refused login on a bastion, once per connection"):
    reason: str


class TraineeBrowserLogin(_BastionLogin, kind="trainee.browser_login",
                          when="a browser terminal opened a shell on `host` (`rangectl serve`)"):
    """`source` and `port` are the browser's; the shell's own SSH login through the
    bastion is also in sshd's log, from the controller."""


@dataclass(frozen=True, kw_only=True)
class BastionLogRead(Payload, kind="bastion.log_read",
                     when="the bastion's sshd log was read up to `until` (the cursor)"):
    team: str
    until: str


# --- deployment, provisioning and the gate ------------------------------------------

@dataclass(frozen=True, kw_only=True)
class ExerciseDeployed(Payload, kind="exercise.deployed",
                       when="`up` has every container running, before provisioning"):
    teams: tuple[str, ...]
    created: int
    recreated: int
    started: int


@dataclass(frozen=True, kw_only=True)
class HostDeployed(Payload):
    """What `up` did to one host: a kind for each action the backend reports."""

    team: str
    host: str


class HostCreated(HostDeployed, kind="host.created", when="`up` created a host"): ...


class HostStarted(HostDeployed, kind="host.started", when="`up` started a stopped host"): ...


class HostRecreated(HostDeployed, kind="host.recreated", when="`up` replaced a stale host"): ...


class HostUnchanged(HostDeployed, kind="host.unchanged", when="`up` found it as planned"): ...


@dataclass(frozen=True, kw_only=True)
class NetworkDeployed(Payload):
    """What `up` did to one network."""

    team: str
    network: str


class NetworkCreated(NetworkDeployed, kind="network.created", when="`up` created a network"): ...


class NetworkReused(NetworkDeployed, kind="network.reused", when="`up` found it, same subnet"): ...


@dataclass(frozen=True, kw_only=True)
class HostTaskFinished(Payload, kind="host.task_finished", when="an Ansible task ended on a host"):
    team: str
    host: str
    task: str
    status: str  # ok, changed, failed, unreachable, skipped
    duration: float | None


@dataclass(frozen=True, kw_only=True)
class TeamProvisioningStarted(Payload, kind="team.provisioning_started",
                              when="Ansible starts on a team's range"):
    team: str


@dataclass(frozen=True, kw_only=True)
class TeamProvisioningFailed(Payload, kind="team.provisioning_failed", when="Ansible failed"):
    team: str
    failures: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class TeamProvisioned(Payload, kind="team.provisioned", when="a team's range is provisioned"):
    team: str
    tasks: int
    changed: int


@dataclass(frozen=True, kw_only=True)
class TeamReady(Payload, kind="team.ready", when="every check of a team passed (the gate)"):
    team: str
    seconds: float
    checks: int


@dataclass(frozen=True, kw_only=True)
class TeamNotReady(Payload, kind="team.not_ready",
                   when="the gate timed out; the checks still failing"):
    team: str
    failing: tuple[Mapping[str, str], ...]  # check, result, detail


@dataclass(frozen=True, kw_only=True)
class UpStepCompleted(Payload, kind="up.step_completed",
                      when="`up` finished a step (images, plan, deploy, provision, gate)"):
    step: str
    seconds: float


@dataclass(frozen=True, kw_only=True)
class UpStepFailed(Payload, kind="up.step_failed",
                   when="a step of `up` failed; `up` stopped there"):
    step: str
    seconds: float
    error: str


INCIDENT_PREFIX = "incident."
TRAINEE_PREFIX = "trainee."
