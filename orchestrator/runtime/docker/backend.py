"""The local Docker backend: each team's range as internal bridges and containers.

Every object carries `rangectl.exercise`, `rangectl.team` and (for hosts)
`rangectl.host` and `rangectl.role` labels, so status, recovery and `down`
find everything by label, whatever state a crash left it in.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Mapping, Sequence
from typing import Any

from docker.utils.socket import SocketError, next_frame_header, read_exactly

from orchestrator import labels as label
from orchestrator.errors import RuntimeFailureError
from orchestrator.images.builder import ImageBuilder, ProgressSink
from orchestrator.plan.model import Plan, PlannedHost, PlannedNetwork, TeamRange
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
)
from orchestrator.runtime.docker.firewall import ensure_isolation_rules
from orchestrator.runtime.docker.hosts import apply_routes, ensure_host
from orchestrator.runtime.docker.networks import ensure_network, remove_network
from orchestrator.runtime.docker.session import DockerSession
from orchestrator.runtime.events import EventSink, HostChanged, NetworkChanged
from orchestrator.runtime.parallel import run_parallel

SETTLE_SECONDS = 0.3


# What one exec may bring back to the controller. A command on a range host (an
# inject run on a host a blue team holds, a service red talks to) can print
# without end until its timeout; only the last MiB is kept, where a tool's
# verdict is, and the rest is read and dropped (read_exec_output).
MAX_EXEC_OUTPUT = 1024 * 1024


# Seconds an exec may run past its own timeout before the controller gives up on it.
EXEC_GRACE = 10.0


def read_exec_output(stream: Any, deadline: float, limit: int) -> tuple[bytes, bool]:
    """The last `limit` bytes of an attached exec's output, read until it ends or
    `deadline` passes; and whether it ended."""
    sock = getattr(stream, "_sock", stream)
    kept = bytearray()
    try:
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            _, size = next_frame_header(sock)
            if size < 0:
                return bytes(kept[-limit:]), True
            kept += read_exactly(sock, size)
            if len(kept) > 2 * limit:
                del kept[:-limit]
    except (OSError, SocketError):
        pass
    return bytes(kept[-limit:]), False


def close_stream(stream: Any) -> None:
    for closer in (getattr(stream, "close", None), getattr(getattr(stream, "_sock", None),
                                                            "close", None)):
        try:
            if closer is not None:
                closer()
        except OSError:
            pass


class DockerBackend:
    """Ranges on the local Docker engine (see RangeBackend for the contract)."""

    def __init__(self, api: Any | None = None, max_pool_size: int = 32) -> None:
        self.api = api if api is not None else connect(max_pool_size)

    def image_builder(self, on_progress: ProgressSink) -> ImageBuilder:
        return ImageBuilder(self.api, on_progress)

    def reserved_subnets(self, except_exercise: str) -> list[str]:
        """Every IPv4 subnet the engine's other networks hold, and every other
        exercise's whole team blocks (label `rangectl.block`).

        A team's block is larger than the subnets it uses; if another exercise
        took the unused rest, the team's own `up`, run again, could no longer
        plan its block where its networks already are.
        """
        reserved: set[str] = set()
        for network in self.api.networks():
            labels = network.get("Labels") or {}
            if labels.get(label.EXERCISE) == except_exercise:
                continue
            held = [config.get("Subnet") for config in (network.get("IPAM") or {}).get("Config")
                    or []]
            held.append(labels.get(label.BLOCK))
            reserved.update(subnet for subnet in held
                            if subnet and ipaddress.ip_network(subnet, strict=False).version == 4)
        return sorted(reserved)

    def deploy(self, plan: Plan, published: Mapping[str, PublishedPort],
               on_event: EventSink, max_workers: int) -> DeployReport:
        ensure_isolation_rules()
        exercise = plan.exercise
        networks = {n["Name"]: n for n in self.api.networks(filters=exercise_filter(exercise))}
        containers = self._containers(exercise)
        self._refuse_other_scenario(plan, [*networks.values(), *containers.values()])
        images = self._image_ids(plan)
        extra = {label.SCENARIO: plan.scenario}

        def make_network(item: tuple[TeamRange, PlannedNetwork]) -> None:
            team, network = item
            action = ensure_network(self.api, network, networks, {**network.labels, **extra})
            on_event(NetworkChanged(team.team, network.name, action))

        run_parallel(make_network, [(t, n) for t in plan.teams for n in t.networks], max_workers)

        def make_host(item: tuple[TeamRange, PlannedHost]) -> str:
            team, host = item
            port = published.get(team.team) if host.role == label.BASTION else None
            action = ensure_host(self.api, team, host, images[host.image], port, containers,
                                 {**host.labels, **extra})
            apply_routes(self.api, team, host)
            on_event(HostChanged(team.team, host.name, action))
            return action

        hosts = [(t, h) for t in plan.teams for h in t.hosts]
        actions = run_parallel(make_host, hosts, max_workers)
        changed = [item for item, action in zip(hosts, actions, strict=True)
                   if action != "unchanged"]
        self._verify_started(changed, max_workers)
        return DeployReport(created=actions.count("created"),
                            unchanged=actions.count("unchanged"),
                            started=actions.count("started"),
                            recreated=actions.count("recreated"))

    def status(self, exercise: str) -> list[HostStatus]:
        result = []
        short_names = {n["Name"]: (n.get("Labels") or {}).get(label.NETWORK, n["Name"])
                       for n in self.api.networks(filters=exercise_filter(exercise))}
        for container in self._containers(exercise).values():
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
        containers = list(self._containers(exercise).values())

        def remove_container(container: dict[str, Any]) -> None:
            try:
                self.api.remove_container(container["Id"], force=True, v=True)
            except Exception as exc:
                if "no such container" not in explain_api_error(exc).lower():
                    raise RuntimeFailureError(
                        f"cannot remove {container['Names'][0].lstrip('/')}: "
                        f"{explain_api_error(exc)}") from None
            labels = container["Labels"]
            on_event(HostChanged(label.read(labels, label.TEAM),
                                 label.read(labels, label.HOST), "removed"))

        run_parallel(remove_container, containers, max_workers)
        networks = self.api.networks(filters=exercise_filter(exercise))
        own = {name.lstrip("/") for container in containers for name in container["Names"]}

        def drop_network(network: dict[str, Any]) -> list[str]:
            detached = remove_network(self.api, network["Id"])
            labels = network.get("Labels") or {}
            on_event(NetworkChanged(label.read(labels, label.TEAM),
                                    label.read(labels, label.NETWORK), "removed"))
            return [name for name in detached if name not in own]

        detached = run_parallel(drop_network, networks, max_workers)
        volumes = (self.api.volumes(filters=exercise_filter(exercise)) or {}).get("Volumes") or []
        for volume in volumes:
            self.api.remove_volume(volume["Name"], force=True)
        return TeardownReport(len(containers), len(networks), len(volumes),
                              tuple(sorted({name for names in detached for name in names})))

    def exercises(self) -> Mapping[str, Sequence[str]]:
        found: dict[str, set[str]] = {}
        label_filter = {"label": [label.EXERCISE]}
        objects = [*self.api.containers(all=True, filters=label_filter),
                   *self.api.networks(filters=label_filter)]
        for item in objects:
            labels = item.get("Labels") or {}
            found.setdefault(labels[label.EXERCISE], set()).add(label.read(labels, label.TEAM))
        return {exercise: sorted(teams) for exercise, teams in sorted(found.items())}

    def exec(self, exercise: str, team: str, host: str, command: Sequence[str],
             timeout: float = 60) -> ExecResult:
        wrapped = ["timeout", "-k", "2", str(max(1, int(timeout))), *command]
        created = self.api.exec_create(self._running(exercise, team, host), wrapped,
                                       stdout=True, stderr=True)
        stream = self.api.exec_start(created["Id"], socket=True)
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
        exit_code = self.api.exec_inspect(created["Id"])["ExitCode"]
        return ExecResult(int(exit_code if exit_code is not None else -1),
                          output.decode(errors="replace"))

    def open_session(self, exercise: str, team: str, host: str, command: Sequence[str],
                     user: str | None = None) -> DockerSession:
        return DockerSession(self.api, self._running(exercise, team, host), list(command),
                             f"team '{team}', {host}", user)

    def _running(self, exercise: str, team: str, host: str) -> str:
        """The id of a host's running container."""
        matches = self.api.containers(filters=exercise_filter(exercise, team=team, host=host))
        if not matches:
            raise RuntimeFailureError(f"team '{team}', host '{host}' is not running in "
                                      f"exercise '{exercise}'", "bring it up: rangectl up")
        return str(matches[0]["Id"])

    def host_logs(self, exercise: str, team: str, host: str,
                  since: float | None = None) -> list[tuple[str, str]]:
        matches = self.api.containers(all=True,
                                      filters=exercise_filter(exercise, team=team, host=host))
        if not matches:
            return []
        raw = self.api.logs(matches[0]["Id"], timestamps=True,
                            since=int(since) if since else None)
        # Split where Docker does, at newlines only: str.splitlines() would also
        # split at a carriage return a program wrote inside a line (sshd logs a
        # user name as given), leaving a piece whose first word is taken for a time.
        lines = []
        for line in raw.decode(errors="replace").split("\n"):
            if line:
                stamp, _, text = line.partition(" ")
                lines.append((stamp, text))
        return lines

    def _containers(self, exercise: str) -> dict[str, dict[str, Any]]:
        listed = self.api.containers(all=True, filters=exercise_filter(exercise))
        return {c["Names"][0].lstrip("/"): c for c in listed}

    def _refuse_other_scenario(self, plan: Plan, objects: list[dict[str, Any]]) -> None:
        for item in objects:
            other = (item.get("Labels") or {}).get(label.SCENARIO)
            if other is not None and other != plan.scenario:
                raise RuntimeFailureError(
                    f"exercise '{plan.exercise}' already exists on this engine for scenario "
                    f"'{other}'",
                    f"pick another id (--exercise) or remove it: rangectl down --exercise "
                    f"{plan.exercise}")

    def _image_ids(self, plan: Plan) -> dict[str, str]:
        ids = {}
        for image in sorted({host.image for team in plan.teams for host in team.hosts}):
            try:
                ids[image] = str(self.api.inspect_image(f"{image}:latest")["Id"])
            except Exception as exc:
                raise RuntimeFailureError(f"image {image} is missing: {explain_api_error(exc)}",
                                          "build it: rangectl images build") from None
        return ids

    def _verify_started(self, started: list[tuple[TeamRange, PlannedHost]],
                        max_workers: int) -> None:
        """Fail, naming team and host, for a container that exits or restarts at start."""
        if not started:
            return
        time.sleep(SETTLE_SECONDS)  # a process that dies at start has done so by now

        def failure(item: tuple[TeamRange, PlannedHost]) -> str | None:
            team, host = item
            details = self.api.inspect_container(host.container_name)
            state, restarts = details["State"], details["RestartCount"]
            if state.get("Running") and not state.get("Restarting") and restarts == 0:
                return None
            logs = self.api.logs(host.container_name, tail=5).decode(errors="replace").strip()
            last = logs.splitlines()[-1] if logs else "no output"
            return (f"team '{team.team}', host '{host.name}' exited at start "
                    f"(exit code {state.get('ExitCode')}): {last}")

        failures = [f for f in run_parallel(failure, started, max_workers) if f]
        if failures:
            raise RuntimeFailureError(
                "hosts did not stay up: " + "; ".join(failures),
                f"see a host's log with: docker logs {started[0][1].container_name}")
