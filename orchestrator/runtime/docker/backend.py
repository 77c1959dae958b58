"""The local Docker backend: each team's range as internal bridges and containers.

Every object carries `rangectl.exercise`, `rangectl.team` and (for hosts)
`rangectl.host` and `rangectl.role` labels, so status, recovery and `down`
find everything by label, whatever state a crash left it in.

The methods that read or remove an exercise go through `_engines()` and
`_team_api()`: one engine here; the Swarm backend (runtime/swarm) answers
with every node's engine and the one engine a team's range is on.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Mapping, Sequence
from typing import Any

from orchestrator import labels as label
from orchestrator.errors import RuntimeFailureError
from orchestrator.images.builder import ImageBuilder, ProgressSink
from orchestrator.plan.model import Plan, PlannedNetwork, TeamRange
from orchestrator.runtime.backend import (
    DeployReport,
    ExecResult,
    HostStatus,
    PublishedPort,
    TeardownReport,
)
from orchestrator.runtime.docker.client import (
    connect,
    exercise_filter,
    explain_api_error,
    local_engine_url,
)
from orchestrator.runtime.docker.deployment import (
    RangeTargets,
    deploy_ranges,
    image_ids,
    refuse_other_scenario,
)
from orchestrator.runtime.docker.exec_output import (
    EXEC_GRACE,
    MAX_EXEC_OUTPUT,
    close_stream,
    read_exec_output,
)
from orchestrator.runtime.docker.firewall import ensure_isolation_rules
from orchestrator.runtime.docker.networks import ensure_network, remove_network
from orchestrator.runtime.docker.replace import (
    commit_snapshot,
    find_container,
    remove_snapshots,
    replace_container,
    snapshot_images,
)
from orchestrator.runtime.docker.session import DockerSession
from orchestrator.runtime.events import Action, EventSink, HostChanged, NetworkChanged
from orchestrator.runtime.parallel import run_parallel


class DockerBackend:
    """Ranges on the local Docker engine (see RangeBackend for the contract)."""

    name = "docker"

    def __init__(self, api: Any | None = None, max_pool_size: int = 32) -> None:
        self.api = api if api is not None else connect(max_pool_size)

    def image_builder(self, on_progress: ProgressSink) -> ImageBuilder:
        return ImageBuilder(self.api, on_progress)

    def engine_url(self, exercise: str, team: str) -> str:
        return local_engine_url()

    def reserved_subnets(self, except_exercise: str) -> list[str]:
        """Every IPv4 subnet the engines' other networks hold, and every other
        exercise's whole team blocks (label `rangectl.block`).

        A team's block is larger than the subnets it uses; if another exercise
        took the unused rest, the team's own `up`, run again, could no longer
        plan its block where its networks already are.
        """
        reserved: set[str] = set()
        for api in self._engines():
            for network in api.networks():
                labels = network.get("Labels") or {}
                if labels.get(label.EXERCISE) == except_exercise:
                    continue
                held = [config.get("Subnet")
                        for config in (network.get("IPAM") or {}).get("Config") or []]
                held.append(labels.get(label.BLOCK))
                reserved.update(s for s in held
                                if s and ipaddress.ip_network(s, strict=False).version == 4)
        return sorted(reserved)

    def deploy(self, plan: Plan, published: Mapping[str, PublishedPort],
               on_event: EventSink, max_workers: int) -> DeployReport:
        ensure_isolation_rules()
        networks = {n["Name"]: n for n in self.api.networks(filters=exercise_filter(plan.exercise))}
        containers = self._containers(plan.exercise)
        refuse_other_scenario(plan, [*networks.values(), *containers.values()])
        extra = {label.SCENARIO: plan.scenario}

        def make_network(team: TeamRange, network: PlannedNetwork,
                         labels: dict[str, str]) -> Action:
            return ensure_network(self.api, network, networks, labels)

        targets = RangeTargets(host_api=lambda team: self.api, make_network=make_network,
                               containers=containers, extra_labels=lambda team: extra)
        return deploy_ranges(plan, published, targets, image_ids(self.api, plan), on_event,
                             max_workers)

    def status(self, exercise: str) -> list[HostStatus]:
        short_names = {n["Name"]: (n.get("Labels") or {}).get(label.NETWORK, n["Name"])
                       for api in self._engines()
                       for n in api.networks(filters=exercise_filter(exercise))}
        result = []
        for _, container in self._engine_containers(exercise):
            labels = container["Labels"]
            attached = (container.get("NetworkSettings") or {}).get("Networks") or {}
            addresses = {short_names.get(name, name): info.get("IPAddress", "")
                         for name, info in attached.items()}
            result.append(HostStatus(
                team=label.read(labels, label.TEAM), host=label.read(labels, label.HOST),
                role=label.read(labels, label.ROLE), state=container["State"],
                detail=container.get("Status", ""), addresses=addresses))
        return sorted(result, key=lambda s: (s.team, s.role != "range", s.host))

    def teardown(self, exercise: str, on_event: EventSink, max_workers: int) -> TeardownReport:
        containers = self._engine_containers(exercise)

        def remove_container(item: tuple[Any, dict[str, Any]]) -> None:
            api, container = item
            try:
                api.remove_container(container["Id"], force=True, v=True)
            except Exception as exc:
                if "no such container" not in explain_api_error(exc).lower():
                    raise RuntimeFailureError(
                        f"cannot remove {container['Names'][0].lstrip('/')}: "
                        f"{explain_api_error(exc)}") from None
            labels = container["Labels"]
            on_event(HostChanged(label.read(labels, label.TEAM),
                                 label.read(labels, label.HOST), "removed"))

        run_parallel(remove_container, containers, max_workers)
        networks = self._engine_networks(exercise)
        own = {name.lstrip("/") for _, container in containers for name in container["Names"]}

        def drop_network(item: tuple[Any, dict[str, Any]]) -> list[str]:
            api, network = item
            detached = remove_network(api, network["Id"])
            labels = network.get("Labels") or {}
            on_event(NetworkChanged(label.read(labels, label.TEAM),
                                    label.read(labels, label.NETWORK), "removed"))
            return [name for name in detached if name not in own]

        detached = run_parallel(drop_network, networks, max_workers)
        volumes = snapshots = 0
        for api in self._engines():
            for volume in (api.volumes(filters=exercise_filter(exercise)) or {}).get(
                    "Volumes") or []:
                api.remove_volume(volume["Name"], force=True)
                volumes += 1
            snapshots += remove_snapshots(api, exercise)
        return TeardownReport(len(containers), len(networks), volumes,
                              tuple(sorted({name for names in detached for name in names})),
                              snapshots)

    def reset_host(self, plan: Plan, team: str, host: str, snapshot: str | None = None) -> None:
        api = self._team_api(plan.exercise, team)
        planned_team = plan.team(team)
        planned = planned_team.host(host)
        found = find_container(api, plan.exercise, team, host)
        image = planned.image
        if snapshot is not None:
            taken = snapshot_images(api, plan.exercise, team, host)
            if snapshot not in taken:
                raise RuntimeFailureError(f"team '{team}', host '{host}' has no snapshot "
                                          f"'{snapshot}'", f"list them: rangectl snapshot "
                                                           f"{team} {host} --list")
            image = taken[snapshot]  # by id: a tag is only a name anyone could move
        replace_container(api, planned_team, planned, image, found)

    def snapshot_host(self, exercise: str, team: str, host: str, name: str) -> str:
        api = self._team_api(exercise, team)
        return commit_snapshot(api, find_container(api, exercise, team, host), exercise, team,
                               host, name)

    def snapshots(self, exercise: str, team: str, host: str) -> list[str]:
        return list(snapshot_images(self._team_api(exercise, team), exercise, team, host))

    def exercises(self) -> Mapping[str, Sequence[str]]:
        found: dict[str, set[str]] = {}
        label_filter = {"label": [label.EXERCISE]}
        for api in self._engines():
            for item in [*api.containers(all=True, filters=label_filter),
                         *api.networks(filters=label_filter)]:
                labels = item.get("Labels") or {}
                found.setdefault(labels[label.EXERCISE], set()).add(
                    label.read(labels, label.TEAM))
        return {exercise: sorted(teams) for exercise, teams in sorted(found.items())}

    def exec(self, exercise: str, team: str, host: str, command: Sequence[str],
             timeout: float = 60) -> ExecResult:
        api = self._team_api(exercise, team)
        wrapped = ["timeout", "-k", "2", str(max(1, int(timeout))), *command]
        created = api.exec_create(self._running(exercise, team, host), wrapped,
                                  stdout=True, stderr=True)
        stream = api.exec_start(created["Id"], socket=True)
        # `timeout` above lives in a container a blue team may hold (and may have
        # replaced): the controller keeps its own deadline, so an exec on such a
        # host can never hold an inject, a tick or the end of a run.
        deadline = time.monotonic() + timeout + EXEC_GRACE
        try:
            output, ended = read_exec_output(stream, deadline, MAX_EXEC_OUTPUT)
        finally:
            close_stream(stream)
        if not ended:
            raise RuntimeFailureError(
                f"team '{team}', {host}: the command did not end within "
                f"{timeout + EXEC_GRACE:g}s; it was abandoned",
                "the host may be overloaded, or its `timeout` or shell tampered with")
        exit_code = api.exec_inspect(created["Id"])["ExitCode"]
        return ExecResult(int(exit_code if exit_code is not None else -1),
                          output.decode(errors="replace"))

    def put_archive(self, exercise: str, team: str, host: str, path: str, data: bytes) -> None:
        api = self._team_api(exercise, team)
        try:
            api.put_archive(self._running(exercise, team, host), path, data)
        except RuntimeFailureError:
            raise
        except Exception as exc:
            raise RuntimeFailureError(f"team '{team}', {host}: cannot copy files to {path}: "
                                      f"{explain_api_error(exc)}") from None

    def open_session(self, exercise: str, team: str, host: str, command: Sequence[str],
                     user: str | None = None) -> DockerSession:
        return DockerSession(self._team_api(exercise, team), self._running(exercise, team, host),
                             list(command), f"team '{team}', {host}", user)

    def host_logs(self, exercise: str, team: str, host: str,
                  since: float | None = None) -> list[tuple[str, str]]:
        api = self._team_api(exercise, team)
        matches = api.containers(all=True, filters=exercise_filter(exercise, team=team, host=host))
        if not matches:
            return []
        raw = api.logs(matches[0]["Id"], timestamps=True, since=int(since) if since else None)
        # Split where Docker does, at newlines only: str.splitlines() would also
        # split at a carriage return a program wrote inside a line (sshd logs a
        # user name as given), leaving a piece whose first word is taken for a time.
        lines = []
        for line in raw.decode(errors="replace").split("\n"):
            if line:
                stamp, _, text = line.partition(" ")
                lines.append((stamp, text))
        return lines

    def _engines(self) -> list[Any]:
        """Every engine that may hold objects of an exercise, the managing one first."""
        return [self.api]

    def _team_api(self, exercise: str, team: str) -> Any:
        """The engine a team's hosts run on."""
        return self.api

    def _running(self, exercise: str, team: str, host: str) -> str:
        """The id of a host's running container."""
        api = self._team_api(exercise, team)
        matches = api.containers(filters=exercise_filter(exercise, team=team, host=host))
        if not matches:
            raise RuntimeFailureError(f"team '{team}', host '{host}' is not running in "
                                      f"exercise '{exercise}'", "bring it up: rangectl up")
        return str(matches[0]["Id"])

    def _engine_containers(self, exercise: str) -> list[tuple[Any, dict[str, Any]]]:
        return [(api, container) for api in self._engines()
                for container in api.containers(all=True, filters=exercise_filter(exercise))]

    def _engine_networks(self, exercise: str) -> list[tuple[Any, dict[str, Any]]]:
        """Each network once, with the engine that removes it: a swarm-wide network
        (listed by every node it reaches) only through the managing engine, first."""
        seen: set[str] = set()
        found = []
        for api in self._engines():
            for network in api.networks(filters=exercise_filter(exercise)):
                if network["Id"] not in seen:
                    seen.add(network["Id"])
                    found.append((api, network))
        return found

    def _containers(self, exercise: str) -> dict[str, dict[str, Any]]:
        return {c["Names"][0].lstrip("/"): c for _, c in self._engine_containers(exercise)}
