"""Configure the ranges with Ansible: the only module that imports ansible_runner.

One ansible-runner run per team, teams in parallel, against that team's
containers through the Docker API (connection `community.docker.docker_api`),
never through a range network. The inventory is generated from the plan and
the team's secrets; Ansible's task results stream into the exercise's event
store and to a progress callback; a failure names team, host, task and
Ansible's own message.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ansible_runner

from orchestrator.bundle_roles import InHostRoles, run_in_hosts
from orchestrator.content import content_root
from orchestrator.errors import RuntimeFailureError
from orchestrator.events import kinds
from orchestrator.events.store import EventStore
from orchestrator.inventory import inventory, inventory_yaml
from orchestrator.plan.model import Plan, TeamRange
from orchestrator.scenario.model import Scenario


@dataclass(frozen=True)
class TaskProgress:
    """One finished Ansible task on one host."""

    team: str
    host: str
    task: str
    status: str  # ok, changed, failed, skipped, unreachable


@dataclass(frozen=True)
class TeamProvisioned:
    team: str
    hosts: int
    tasks: int
    changed: int
    seconds: float


ProgressSink = Callable[[TaskProgress], None]

# Teams provisioned at once: two per core. Ansible is bound by the controller's
# CPU, and all 24 teams of the flagship-like bench at once on 2 cores (240
# workers) spent more time switching than working: provision took 254 s with
# 24 at once, 186 s with 6, 175 s with 4.
PARALLEL_TEAMS = 2 * (os.cpu_count() or 1)


def provision(scenario: Scenario, plan: Plan, secrets: dict[str, dict[str, str]],
              access: dict[str, dict[str, Any]], store: EventStore, work_dir: Path,
              on_progress: ProgressSink, engines: Mapping[str, str],
              forks: int = 10, in_host: InHostRoles | None = None) -> list[TeamProvisioned]:
    """Run the site playbook for every team in parallel; raise on any failure.

    `access` gives each team's trainee accounts and public key:
    {team: {"users": [...], "public_key": "ssh-ed25519 ..."}}; `engines` the
    DOCKER_HOST of the engine each team's containers run on (one per site on a swarm);
    `in_host` the scenario bundle's roles, run inside the hosts after rangectl's own.
    """
    with ThreadPoolExecutor(max_workers=max(1, min(PARALLEL_TEAMS, len(plan.teams)))) as pool:
        futures = [pool.submit(_provision_team, scenario, plan, team, secrets.get(team.team, {}),
                               access.get(team.team, {"users": [], "public_key": ""}),
                               store, work_dir / team.team, on_progress,
                               engines[team.team], forks, in_host)
                   for team in plan.teams]
    failures = [f.exception() for f in futures if f.exception() is not None]
    if failures:
        first = failures[0]
        if isinstance(first, RuntimeFailureError):
            if len(failures) > 1:
                raise RuntimeFailureError(
                    "; ".join(str(getattr(f, "message", f)) for f in failures), first.hint)
            raise first
        raise RuntimeFailureError(f"provisioning failed: {first}")
    return [f.result() for f in futures]


def provision_host(scenario: Scenario, plan: Plan, team: str, host: str,
                   secrets: dict[str, dict[str, str]], access: dict[str, dict[str, Any]],
                   store: EventStore, work_dir: Path, on_progress: ProgressSink, engine: str,
                   in_host: InHostRoles | None = None) -> TeamProvisioned:
    """Run the site playbook on one host of one team (a host put back by a reset), in
    `work_dir` (its own: never a folder a team's `up` uses).

    The inventory is the whole team's, as at `up`, so the host gets the same
    variables; Ansible is limited to the one host, and no team-level event is
    recorded (the team was provisioned; one of its hosts is again)."""
    planned = plan.team(team)
    only = planned.host(host)
    return _provision_team(scenario, plan, planned, secrets.get(team, {}),
                           access.get(team, {"users": [], "public_key": ""}), store,
                           work_dir, on_progress, engine, 10, in_host,
                           only=only.container_name)


class _TaskRecorder:
    """ansible-runner's event handler for one team: each task result on one of the
    team's hosts becomes an event and a progress line; failures are kept to name."""

    def __init__(self, team: str, hosts: dict[str, str], store: EventStore,
                 on_progress: ProgressSink) -> None:
        self.team, self.hosts, self.store, self.on_progress = team, hosts, store, on_progress
        self.failures: list[str] = []
        self.tasks = self.changed = 0

    def __call__(self, event: dict[str, Any]) -> bool:
        kind = event.get("event", "")
        data = event.get("event_data") or {}
        if kind not in _RESULT_EVENTS or data.get("host") not in self.hosts:
            return False
        host = self.hosts[data["host"]]
        result = data.get("res") or {}
        status = _RESULT_EVENTS[kind]
        if status == "ok" and result.get("changed"):
            status = "changed"
        task = str(data.get("task", "?"))
        self.tasks += 1
        self.changed += status == "changed"
        self.store.record(kinds.HostTaskFinished(team=self.team, host=host, task=task,
                                                 status=status, duration=data.get("duration")))
        if status in ("failed", "unreachable") and not data.get("ignore_errors"):
            message = str(result.get("msg") or result.get("stderr") or result)[:400]
            self.failures.append(f"team '{self.team}', host '{host}', task '{task}': {message}")
        self.on_progress(TaskProgress(self.team, host, task, status))
        return False  # nothing needs keeping on disk beyond our event store


def _provision_team(scenario: Scenario, plan: Plan, team: TeamRange, secrets: dict[str, str],
                    access: dict[str, Any], store: EventStore, work_dir: Path,
                    on_progress: ProgressSink, engine: str, forks: int,
                    in_host: InHostRoles | None, only: str | None = None) -> TeamProvisioned:
    """`only`: the container name of the one host to configure (None: all of them)."""
    recorder = _TaskRecorder(team.team, {host.container_name: host.name for host in team.hosts},
                             store, on_progress)
    work_dir.mkdir(parents=True, exist_ok=True)
    document = inventory(scenario, plan, team, secrets, access, _connection(),
                         in_host.bundled if in_host else frozenset())
    hosts_file = _write_inventory(work_dir, document)
    if only is None:
        store.record(kinds.TeamProvisioningStarted(team=team.team))
    # ansible-runner would keep the first run's environment in env/envvars and let that
    # file win over every later run's (an engine moved to another node, Mitogen off):
    # the environment is this run's, never a file's.
    (work_dir / "env" / "envvars").unlink(missing_ok=True)
    runner = ansible_runner.run(
        private_data_dir=str(work_dir),
        project_dir=str(content_root() / "playbooks"),
        playbook="site.yml",
        inventory=str(hosts_file),
        envvars=_environment(engine),
        event_handler=recorder,
        quiet=True,
        forks=forks,
        ident=hashlib.sha256(plan.exercise.encode()).hexdigest()[:8],
        rotate_artifacts=1,
        suppress_env_files=True,
        **({"limit": only} if only is not None else {}),
    )
    seconds = float(getattr(runner, "elapsed", 0) or 0)
    if recorder.failures or runner.status != "successful":
        _failed(team.team, runner, recorder.failures, work_dir, store, one_host=only is not None)
    if in_host is not None and in_host.bundled:
        hosts = tuple(h for h in team.hosts if only is None or h.container_name == only)
        _bundle_roles(in_host, plan, scenario, team.model_copy(update={"hosts": hosts}),
                      document, store, recorder)
    if only is not None:
        return TeamProvisioned(team.team, 1, recorder.tasks, recorder.changed, seconds)
    store.record(kinds.TeamProvisioned(team=team.team, tasks=recorder.tasks,
                                       changed=recorder.changed))
    return TeamProvisioned(team.team, len(team.hosts), recorder.tasks, recorder.changed,
                           seconds)


def _failed(team: str, runner: Any, failures: list[str], work_dir: Path, store: EventStore,
            one_host: bool) -> None:
    """Raise the first failure (recorded as the team's, unless one host was configured)."""
    message = failures[0] if failures else (f"team '{team}': Ansible ended {runner.status} "
                                            f"(rc {runner.rc}); see {work_dir}")
    if one_host:
        raise RuntimeFailureError(message, "look at the host (rangectl status) and reset it "
                                           "again")
    store.record(kinds.TeamProvisioningFailed(team=team, failures=tuple(failures)))
    raise RuntimeFailureError(message, "fix the cause and run `rangectl up` again; "
                                       "`rangectl down` removes the range")


def _bundle_roles(in_host: InHostRoles, plan: Plan, scenario: Scenario, team: TeamRange,
                  document: dict[str, Any], store: EventStore, recorder: _TaskRecorder) -> None:
    """The scenario bundle's roles, inside the hosts that list them, counted with the rest."""
    try:
        tasks, changed = run_in_hosts(
            in_host, plan.exercise, scenario, team, document, store,
            lambda line: recorder.on_progress(TaskProgress(team.team, line.host, line.task,
                                                           line.status)))
    except RuntimeFailureError as exc:
        store.record(kinds.TeamProvisioningFailed(team=team.team, failures=(exc.message,)))
        raise
    recorder.tasks += tasks
    recorder.changed += changed


def _write_inventory(work_dir: Path, document: dict[str, Any]) -> Path:
    """Write the team's inventory as YAML with `!unsafe` values (see orchestrator/inventory.py).

    ansible-runner would write a dict inventory as JSON, which cannot mark a
    value unsafe, so Ansible would template scenario text on the controller.
    The file holds the team's secrets: readable by its owner only.
    """
    directory = work_dir / "inventory"
    directory.mkdir(mode=0o700, exist_ok=True)
    path = directory / "hosts.yml"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(inventory_yaml(document))
    os.chmod(path, 0o600)
    return path


_RESULT_EVENTS = {
    "runner_on_ok": "ok", "runner_on_failed": "failed", "runner_on_skipped": "skipped",
    "runner_on_unreachable": "unreachable",
}


def _use_mitogen() -> bool:
    """Mitogen runs tasks about four times faster over `docker exec` than the
    docker_api plugin (measured: 10 tasks, 4.1 s against 10.6 s); RANGECTL_MITOGEN=0
    falls back to plain Ansible over community.docker.docker_api, as does a machine
    without the docker command (Mitogen drives `docker exec`)."""
    return (os.environ.get("RANGECTL_MITOGEN", "1") != "0"
            and _mitogen_strategies() is not None and shutil.which("docker") is not None)


def _mitogen_strategies() -> str | None:
    try:
        import ansible_mitogen  # noqa: PLC0415 - optional accelerator
    except ImportError:
        return None
    return str(Path(ansible_mitogen.__file__).parent / "plugins" / "strategy")


def _connection() -> str:
    # Both reach containers through the Docker engine, never a range network.
    return "docker" if _use_mitogen() else "community.docker.docker_api"


def _environment(engine: str) -> dict[str, str]:
    venv_bin = str(Path(sys.executable).parent)
    accelerator = {"ANSIBLE_STRATEGY_PLUGINS": _mitogen_strategies() or "",
                   "ANSIBLE_STRATEGY": "mitogen_linear"} if _use_mitogen() else {}
    return {
        **accelerator,
        "PATH": f"{venv_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "ANSIBLE_ROLES_PATH": str(content_root() / "playbooks" / "roles"),
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_DEPRECATION_WARNINGS": "False",
        "ANSIBLE_LOCALHOST_WARNING": "False",
        "ANSIBLE_NOCOLOR": "True",
        "ANSIBLE_PIPELINING": "True",
        # Reaching a container can take long on a loaded machine (Mitogen starts a
        # Python interpreter in it first); a slow start is not a failure.
        "ANSIBLE_TIMEOUT": "120",
        "DOCKER_HOST": engine,
    }
