"""`up` as a sequence of named steps: build images, plan and record, deploy,
provision, gate (orchestrator/lifecycle.py runs them, each timed and recorded).

The exercise's record and plan are written before anything is created on the
engine, so an `up` interrupted at any point leaves a record that `status` and
`down` can act on, and the next `up` finishes the job with the same plan.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from orchestrator.access.keys import ensure_team_key, trainee_accounts
from orchestrator.baseline import StatusSink, wait_until_ready
from orchestrator.bastion_ports import bastion_ports
from orchestrator.bundle import IMAGES, ROLES
from orchestrator.bundle_roles import InHostRoles
from orchestrator.errors import InvalidInputError
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
    UpStepCompleted,
    UpStepFailed,
)
from orchestrator.events.payload import Payload
from orchestrator.events.store import EventStore
from orchestrator.images.builder import ImageBuilder, ImageProgress
from orchestrator.images.catalog import image_catalog
from orchestrator.images.foreign import ensure_foreign
from orchestrator.images.sources import scenario_images
from orchestrator.labels import OWN_HOSTS
from orchestrator.lifecycle import Step, StepSink, StepTimed, run_sequence
from orchestrator.plan import Plan, plan_loaded
from orchestrator.provision import ProgressSink, TeamProvisioned, provision
from orchestrator.roles.catalog import scenario_roles
from orchestrator.runtime.backend import DeployReport, PublishedPort, RangeBackend
from orchestrator.runtime.engine_lock import engine_lock
from orchestrator.runtime.events import EventSink, HostChanged, RuntimeEvent, ignore
from orchestrator.scenario.loader import LoadedScenario
from orchestrator.scenario.types import is_name
from orchestrator.secrets import ensure_secrets, ensure_trainee_passwords
from orchestrator.state import ExerciseRecord, ExerciseState, check_exercise_id, known_exercises

UP_STEPS = ("images", "plan", "deploy", "provision", "gate")  # `up`
DEPLOY_STEPS = UP_STEPS[:3]  # `up --no-provision`: networks and containers only


@dataclass(frozen=True)
class UpResult:
    plan: Plan
    record: ExerciseRecord
    report: DeployReport
    provisioned: list[TeamProvisioned] = field(default_factory=list)
    ready: dict[str, float] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # each step's, in order


@dataclass(frozen=True)
class Watchers:
    """Where `up` reports progress; the CLI renders it, tests may ignore it."""

    runtime: EventSink = ignore
    tasks: ProgressSink = lambda _task: None
    checks: StatusSink = lambda _team, _results: None
    planned: Callable[[Plan], None] = lambda _plan: None
    steps: StepSink = lambda _step: None


@dataclass(frozen=True)
class UpOptions:
    """What the controller asked of this `up` (the CLI's flags)."""

    exercise: str
    teams: Sequence[str] | None = None
    pool: str | None = None
    bind_address: str = "127.0.0.1"
    max_workers: int = 8
    gate_timeout: float = 120


@dataclass
class UpRun:
    """What the steps of one `up` share: its inputs, and what each step leaves for
    the next. Each field after `watchers` is set by the step that makes it."""

    loaded: LoadedScenario
    backend: RangeBackend
    builder: ImageBuilder
    options: UpOptions
    watchers: Watchers
    state: ExerciseState
    previous: ExerciseRecord | None
    plan: Plan | None = None
    record: ExerciseRecord | None = None
    report: DeployReport | None = None
    secrets: dict[str, dict[str, str]] = field(default_factory=dict)
    provisioned: list[TeamProvisioned] = field(default_factory=list)
    ready: dict[str, float] = field(default_factory=dict)
    store: EventStore | None = None  # opened once the exercise is recorded
    unrecorded: list[Payload] = field(default_factory=list)  # events from before that

    def record_event(self, event: Payload) -> None:
        if self.store is None:
            self.unrecorded.append(event)
        else:
            self.store.record(event)

    def open_store(self) -> EventStore:
        """The exercise's event store, opened once its record is saved; what was
        waiting to be recorded before then is recorded first."""
        if self.store is None:
            self.store = EventStore(self.state.events_path)
            for event in self.unrecorded:
                self.store.record(event)
            self.unrecorded.clear()
        return self.store

    def planned(self) -> tuple[Plan, ExerciseRecord, EventStore]:
        if self.plan is None or self.record is None:
            raise RuntimeError("a step that needs the plan ran before the plan step")
        return self.plan, self.record, self.open_store()

    def deployed(self) -> DeployReport:
        if self.report is None:
            raise RuntimeError("a step that needs the deployment ran before the deploy step")
        return self.report

    def result(self, seconds: dict[str, float]) -> UpResult:
        plan, record, _store = self.planned()
        return UpResult(plan, record, self.deployed(), self.provisioned, self.ready, seconds)


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
    """Build missing images, plan and record, deploy every range, provision it with
    Ansible and wait until every team passes its checks (the baseline gate): the
    steps of UP_STEPS, or DEPLOY_STEPS without provisioning."""
    options = UpOptions(exercise or loaded.scenario.name, teams, pool, bind_address,
                        max_workers, gate_timeout)
    state = ExerciseState(options.exercise)
    previous = state.load_record() if state.exists() else None
    if previous is not None and previous.scenario_name != loaded.scenario.name:
        raise InvalidInputError(
            f"exercise '{options.exercise}' already exists for scenario "
            f"'{previous.scenario_name}'",
            f"pick another id with --exercise, or remove it: rangectl down --purge "
            f"--exercise {options.exercise}")
    run = UpRun(loaded, backend, builder, options, watchers or Watchers(), state, previous)
    if previous is not None:  # recorded before: every step of this `up` is recorded too
        run.open_store()
    names = UP_STEPS if provision_hosts else DEPLOY_STEPS
    try:
        seconds = run_sequence([STEPS[name] for name in names], run,
                               partial(_step_ended, run), engine_lock)
    finally:
        if run.store is not None:
            run.store.close()
    return run.result(seconds)


def _step_ended(run: UpRun, step: StepTimed) -> None:
    run.watchers.steps(step)
    if step.error is None:
        run.record_event(UpStepCompleted(step=step.step, seconds=step.seconds))
    else:
        run.record_event(UpStepFailed(step=step.step, seconds=step.seconds, error=step.error))
    if run.record is not None:  # recorded: from now on events go straight to the store
        run.open_store()


def _build_images(run: UpRun) -> None:
    """Build rangectl's and the bundle's images the scenario names (and rangectl's own
    hosts'), load the bundle's archives, and make sure referenced images are there."""
    loaded = run.loaded
    sources = scenario_images(loaded.scenario.name, [h.image for h in loaded.scenario.hosts],
                              loaded.bundle)
    builder = run.builder.with_catalog(image_catalog(loaded.bundle.part(IMAGES),
                                                     loaded.scenario.name))
    builder.ensure(sorted({s.spec for s in sources.values() if s.managed} | set(OWN_HOSTS)))
    for source in sources.values():
        if not source.managed:
            ensure_foreign(builder.api, source,
                           lambda image, message: builder.on_progress(ImageProgress(image,
                                                                                    message)))


def _plan_and_record(run: UpRun) -> None:
    """Plan around the subnets the engine holds, and record the exercise before
    anything is created, so an interrupted `up` leaves what `down` acts on."""
    options = run.options
    plan = plan_loaded(run.loaded, exercise=options.exercise, teams=options.teams,
                       pool=options.pool, reserved=run.backend.reserved_subnets(options.exercise))
    run.watchers.planned(plan)
    run.record = ExerciseRecord(
        exercise=options.exercise, scenario_name=run.loaded.scenario.name,
        scenario_path=str(run.loaded.path.resolve()),
        teams=tuple(team.team for team in plan.teams), bind_address=options.bind_address,
        bastion_ports=bastion_ports(plan, run.previous, options.bind_address),
        scenario_digest=scenario_digest(run.loaded),
    )
    run.state.save_record(run.record)
    run.state.save_plan(plan)
    run.plan = plan


def _deploy(run: UpRun) -> None:
    plan, record, store = run.planned()
    published = {team: PublishedPort(record.bind_address, port)
                 for team, port in record.bastion_ports.items()}
    run.report = _deploy_recorded(run.backend, plan, published, run.watchers.runtime,
                                  run.options.max_workers, store)


def _provision(run: UpRun) -> None:
    plan, record, store = run.planned()
    report = run.deployed()
    run.secrets = ensure_secrets(run.state, plan, run.loaded.scenario.secrets)
    store.record(ExerciseDeployed(teams=tuple(record.teams), created=report.created,
                                  recreated=report.recreated, started=report.started))
    run.provisioned = provision(run.loaded.scenario, plan, run.secrets,
                                team_access(run.state, run.loaded, plan), store,
                                run.state.directory / "ansible", run.watchers.tasks,
                                {team.team: run.backend.engine_url(plan.exercise, team.team)
                                 for team in plan.teams},
                                in_host=in_host_roles(run.backend, run.loaded))


def in_host_roles(backend: RangeBackend, loaded: LoadedScenario) -> InHostRoles | None:
    """The bundle's roles the scenario's hosts name, to run inside those hosts."""
    catalog = scenario_roles(loaded.bundle.part(ROLES))
    bundled = frozenset(name for name, entry in catalog.entries.items() if entry.bundled)
    return InHostRoles(backend, loaded.bundle, bundled) if bundled else None


def _gate(run: UpRun) -> None:
    plan, _record, store = run.planned()
    run.ready = wait_until_ready(run.backend, plan, run.secrets, store, run.watchers.checks,
                                 timeout=run.options.gate_timeout)


STEPS: dict[str, Step[UpRun]] = {step.name: step for step in (
    Step("images", _build_images),
    Step("plan", _plan_and_record, locked=True),  # the plan's subnets and ports are
    Step("deploy", _deploy, locked=True),         # taken by nobody else until created
    Step("provision", _provision),
    Step("gate", _gate),
)}


# The event each action of a deployment is recorded as (the backend reports no other)
_HOST_KINDS: dict[str, type[HostDeployed]] = {
    "created": HostCreated, "started": HostStarted, "recreated": HostRecreated,
    "unchanged": HostUnchanged}
_NETWORK_KINDS: dict[str, type[NetworkDeployed]] = {
    "created": NetworkCreated, "reused": NetworkReused}


def _deploy_recorded(backend: RangeBackend, plan: Plan, published: dict[str, PublishedPort],
                     on_event: EventSink, max_workers: int, store: EventStore) -> DeployReport:
    """Deploy, recording what happened to each host and network as events."""

    def record_event(event: RuntimeEvent) -> None:
        on_event(event)
        if isinstance(event, HostChanged):
            store.record(_HOST_KINDS[event.action](team=event.team, host=event.host))
        else:
            store.record(_NETWORK_KINDS[event.action](team=event.team, network=event.network))

    return backend.deploy(plan, published, record_event, max_workers)


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


def scenario_digest(loaded: LoadedScenario) -> str:
    """What a later command checks the scenario file against: a reset configures a
    host from the file, and must not from one edited since `up`."""
    return hashlib.sha256(loaded.scenario.model_dump_json().encode()).hexdigest()


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
