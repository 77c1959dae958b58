"""Making a plan's hosts on Docker engines: the part both backends share.

The local backend puts every team on one engine; the Swarm backend puts each
team on an engine of its site. Either way a host is one container made by
`ensure_host` on the engine that runs it, so the containers, their labels,
limits and isolation are the same on both.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from orchestrator import labels as label
from orchestrator.errors import RuntimeFailureError
from orchestrator.images.sources import reference_of
from orchestrator.plan.model import Plan, PlannedHost, PlannedNetwork, TeamRange
from orchestrator.runtime.backend import DeployReport, PublishedPort
from orchestrator.runtime.docker.client import explain_api_error
from orchestrator.runtime.docker.hosts import apply_routes, ensure_host
from orchestrator.runtime.events import Action, EventSink, HostChanged, NetworkChanged
from orchestrator.runtime.parallel import run_parallel

SETTLE_SECONDS = 0.3


@dataclass(frozen=True)
class RangeTargets:
    """Where each team's range is made: the engine its hosts run on, how one of its
    networks is made, the containers already there, the labels every object adds."""

    host_api: Callable[[TeamRange], Any]
    make_network: Callable[[TeamRange, PlannedNetwork, dict[str, str]], Action]
    containers: Mapping[str, dict[str, Any]]
    extra_labels: Callable[[TeamRange], dict[str, str]]


def deploy_ranges(plan: Plan, published: Mapping[str, PublishedPort], targets: RangeTargets,
                  image_ids: Mapping[str, str], on_event: EventSink,
                  max_workers: int) -> DeployReport:
    """Networks first, then hosts (in parallel), then a check that what started stays up."""

    def make_network(item: tuple[TeamRange, PlannedNetwork]) -> None:
        team, network = item
        action = targets.make_network(team, network,
                                      {**network.labels, **targets.extra_labels(team)})
        on_event(NetworkChanged(team.team, network.name, action))

    run_parallel(make_network, [(t, n) for t in plan.teams for n in t.networks], max_workers)

    def make_host(item: tuple[TeamRange, PlannedHost]) -> str:
        team, host = item
        api = targets.host_api(team)
        port = published.get(team.team) if host.role == label.BASTION else None
        action = ensure_host(api, team, host, image_ids[host.image], port, targets.containers,
                             {**host.labels, **targets.extra_labels(team)})
        apply_routes(api, team, host)
        on_event(HostChanged(team.team, host.name, action))
        return action

    hosts = [(t, h) for t in plan.teams for h in t.hosts]
    actions = run_parallel(make_host, hosts, max_workers)
    changed = [item for item, action in zip(hosts, actions, strict=True)
               if action != "unchanged"]
    verify_started(targets.host_api, changed, max_workers)
    return DeployReport(created=actions.count("created"), unchanged=actions.count("unchanged"),
                        started=actions.count("started"), recreated=actions.count("recreated"))


def image_ids(api: Any, plan: Plan) -> dict[str, str]:
    """The id of each image the plan's hosts run, on the engine that built them."""
    ids = {}
    for image in sorted({host.image for team in plan.teams for host in team.hosts}):
        try:
            ids[image] = str(api.inspect_image(reference_of(image))["Id"])
        except Exception as exc:
            raise RuntimeFailureError(f"image {image} is missing: {explain_api_error(exc)}",
                                      "build it: rangectl images build") from None
    return ids


def refuse_other_scenario(plan: Plan, objects: list[dict[str, Any]]) -> None:
    """An exercise id already used by another scenario's objects is not ours to change."""
    for item in objects:
        other = (item.get("Labels") or {}).get(label.SCENARIO)
        if other is not None and other != plan.scenario:
            raise RuntimeFailureError(
                f"exercise '{plan.exercise}' already exists on this engine for scenario "
                f"'{other}'",
                f"pick another id (--exercise) or remove it: rangectl down --exercise "
                f"{plan.exercise}")


def verify_started(host_api: Callable[[TeamRange], Any],
                   started: list[tuple[TeamRange, PlannedHost]], max_workers: int) -> None:
    """Fail, naming team and host, for a container that exits or restarts at start."""
    if not started:
        return
    time.sleep(SETTLE_SECONDS)  # a process that dies at start has done so by now

    def failure(item: tuple[TeamRange, PlannedHost]) -> str | None:
        team, host = item
        api = host_api(team)
        details = api.inspect_container(host.container_name)
        state, restarts = details["State"], details["RestartCount"]
        if state.get("Running") and not state.get("Restarting") and restarts == 0:
            return None
        logs = api.logs(host.container_name, tail=5).decode(errors="replace").strip()
        last = logs.splitlines()[-1] if logs else "no output"
        return (f"team '{team.team}', host '{host.name}' exited at start "
                f"(exit code {state.get('ExitCode')}): {last}")

    failures = [f for f in run_parallel(failure, started, max_workers) if f]
    if failures:
        raise RuntimeFailureError(
            "hosts did not stay up: " + "; ".join(failures),
            f"see a host's log with: docker logs {started[0][1].container_name}")
