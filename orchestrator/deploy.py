"""`up` and `down` as steps: plan, record, build images, deploy; or tear down.

The exercise's record and plan are written before anything is created on the
engine, so an `up` interrupted at any point leaves a record that `status` and
`down` can act on, and the next `up` finishes the job with the same plan.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from orchestrator.access.keys import ensure_team_key, trainee_accounts
from orchestrator.baseline import StatusSink, wait_until_ready
from orchestrator.errors import InvalidInputError, RuntimeFailureError
from orchestrator.events.kinds import (
    ExerciseDeployed,
    HostCreated,
    HostDeployed,
    HostRecreated,
    HostStarted,
    HostUnchanged,
    NetworkCreated,
    NetworkDeployed,
    NetworkReused,
)
from orchestrator.events.store import EventStore
from orchestrator.images.builder import ImageBuilder
from orchestrator.labels import OWN_HOSTS
from orchestrator.plan import Plan, plan_loaded
from orchestrator.provision import ProgressSink, TeamProvisioned, provision
from orchestrator.runtime.backend import DeployReport, PublishedPort, RangeBackend
from orchestrator.runtime.engine_lock import engine_lock
from orchestrator.runtime.events import EventSink, HostChanged, RuntimeEvent, ignore
from orchestrator.scenario.loader import LoadedScenario
from orchestrator.scenario.types import is_name
from orchestrator.secrets import ensure_secrets, ensure_trainee_passwords
from orchestrator.state import ExerciseRecord, ExerciseState, check_exercise_id, known_exercises

BASTION_PORTS = range(22000, 23000)


@dataclass(frozen=True)
class UpResult:
    plan: Plan
    record: ExerciseRecord
    report: DeployReport
    provisioned: list[TeamProvisioned] = field(default_factory=list)
    ready: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # containers, ansible, gate


@dataclass(frozen=True)
class Watchers:
    """Where `up` reports progress; the CLI renders it, tests may ignore it."""

    runtime: EventSink = ignore
    tasks: ProgressSink = lambda _task: None
    checks: StatusSink = lambda _team, _results: None
    planned: Callable[[Plan], None] = lambda _plan: None


def bring_up(
    loaded: LoadedScenario,
    backend: RangeBackend,
    builder: ImageBuilder,
    *,
    exercise: str | None = None,
    teams: Sequence[str] | None = None,
    pool: str | None = None,
    bind_address: str = "127.0.0.1",
    max_workers: int = 8,
    provision_hosts: bool = True,
    gate_timeout: float = 120,
    watchers: Watchers | None = None,
) -> UpResult:
    """Plan, record, build missing images, deploy every range, provision it with
    Ansible and wait until every team passes its checks (the baseline gate)."""
    watchers = watchers or Watchers()
    exercise_id = exercise or loaded.scenario.name
    state = ExerciseState(exercise_id)
    previous = state.load_record() if state.exists() else None
    if previous is not None and previous.scenario_name != loaded.scenario.name:
        raise InvalidInputError(
            f"exercise '{exercise_id}' already exists for scenario '{previous.scenario_name}'",
            f"pick another id with --exercise, or remove it: rangectl down --purge "
            f"--exercise {exercise_id}")
    builder.ensure(sorted({host.image for host in loaded.scenario.hosts}
                          | set(OWN_HOSTS)))
    with engine_lock():
        plan = plan_loaded(loaded, exercise=exercise_id, teams=teams, pool=pool,
                           reserved=backend.reserved_subnets(exercise_id))
        watchers.planned(plan)
        record = ExerciseRecord(
            exercise=exercise_id, scenario_name=loaded.scenario.name,
            scenario_path=str(loaded.path.resolve()),
            teams=tuple(team.team for team in plan.teams), bind_address=bind_address,
            bastion_ports=_bastion_ports(plan, previous, bind_address),
        )
        state.save_record(record)
        state.save_plan(plan)
        published = {team: PublishedPort(bind_address, port)
                     for team, port in record.bastion_ports.items()}
        clock = time.monotonic()
        report = _deploy_recorded(backend, plan, published, watchers.runtime, max_workers,
                                  state)
    seconds = {"containers": time.monotonic() - clock}
    if not provision_hosts:
        return UpResult(plan, record, report, seconds=seconds)
    secrets = ensure_secrets(state, plan, loaded.scenario.secrets)
    store = EventStore(state.events_path)
    try:
        store.record(ExerciseDeployed(teams=tuple(record.teams), created=report.created,
                                      recreated=report.recreated, started=report.started))
        clock = time.monotonic()
        provisioned = provision(loaded.scenario, plan, secrets, team_access(state, loaded, plan),
                                store, state.directory / "ansible", watchers.tasks)
        seconds["ansible"] = time.monotonic() - clock
        clock = time.monotonic()
        ready = wait_until_ready(backend, plan, secrets, store, watchers.checks,
                                 timeout=gate_timeout)
        seconds["gate"] = time.monotonic() - clock
    finally:
        store.close()
    return UpResult(plan, record, report, provisioned, ready, seconds)


# The event each action of a deployment is recorded as (the backend reports no other)
_HOST_KINDS: dict[str, type[HostDeployed]] = {
    "created": HostCreated, "started": HostStarted, "recreated": HostRecreated,
    "unchanged": HostUnchanged}
_NETWORK_KINDS: dict[str, type[NetworkDeployed]] = {
    "created": NetworkCreated, "reused": NetworkReused}


def _deploy_recorded(backend: RangeBackend, plan: Plan, published: dict[str, PublishedPort],
                     on_event: EventSink, max_workers: int,
                     state: ExerciseState) -> DeployReport:
    """Deploy, recording what happened to each host and network as events."""
    store = EventStore(state.events_path)

    def record_event(event: RuntimeEvent) -> None:
        on_event(event)
        if isinstance(event, HostChanged):
            store.record(_HOST_KINDS[event.action](team=event.team, host=event.host))
        else:
            store.record(_NETWORK_KINDS[event.action](team=event.team, network=event.network))

    try:
        return backend.deploy(plan, published, record_event, max_workers)
    finally:
        store.close()


def team_access(state: ExerciseState, loaded: LoadedScenario,
                plan: Plan) -> dict[str, dict[str, Any]]:
    """Each team's trainee accounts and the public half of its key."""
    trainees = {team.id: team.trainees for team in loaded.scenario.teams}
    passwords = ensure_trainee_passwords(state, plan) if loaded.scenario.access.password else {}
    return {team.team: {
        "users": trainee_accounts(trainees.get(team.team, ())),
        "public_key": ensure_team_key(state, plan.exercise, team.team).public_key,
        "password": passwords.get(team.team, ""),
    } for team in plan.teams}


def _bastion_ports(plan: Plan, previous: ExerciseRecord | None,
                   bind_address: str) -> dict[str, int]:
    """Keep the ports a team already had; pick free ones for new teams."""
    kept = dict(previous.bastion_ports) if previous and previous.bind_address == bind_address \
        else {}
    taken = {port for name in known_exercises() if name != plan.exercise
             for port in ExerciseState(name).load_record().bastion_ports.values()}
    ports: dict[str, int] = {}
    for team in plan.teams:
        port = kept.get(team.team)
        if port is None:
            port = _free_port(bind_address, taken | set(ports.values()))
        ports[team.team] = port
    return ports


def _free_port(address: str, taken: set[int]) -> int:
    for port in BASTION_PORTS:
        if port in taken:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((address, port))
            except OSError:
                continue
        return port
    raise RuntimeFailureError(f"no free port for a bastion on {address} in "
                              f"{BASTION_PORTS.start}-{BASTION_PORTS.stop - 1}")


def resolve_exercise(backend: RangeBackend | None, given: str | None) -> str:
    """The exercise a command acts on: the one given, or the only one that exists.

    Ids come from the user, the state directory and the engine's labels (which
    anyone with access to the engine can set); each is checked, and an engine label
    that is not a valid id is not one of ours."""
    if given is not None:
        return check_exercise_id(given)
    found = set(known_exercises())
    if backend is not None:
        found |= {name for name in backend.exercises() if is_name(name)}
    if len(found) == 1:
        return found.pop()
    if not found:
        raise InvalidInputError("there is no exercise", "bring one up: rangectl up FILE")
    raise InvalidInputError(f"there are {len(found)} exercises: {', '.join(sorted(found))}",
                            "say which one with --exercise ID")
