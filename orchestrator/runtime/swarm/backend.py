"""The Swarm backend: each team's whole range on one node of the team's site.

Swarm services cannot hold the static addresses a range is planned with
(moby/moby#24170), so hosts are not services: they are the same containers
the local backend makes, started through the engine of the node they are
placed on, on attachable overlay networks (internal, encrypted) the manager
holds. Swarm gives rangectl what it needs from an orchestrator: the node
inventory and its labels (placement), and networks and address management
that span nodes. A team's range sits whole on one node, so its traffic stays
on that node; the bastion's access network is a bridge there, and the bastion
is published only on that node.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from orchestrator import labels as label
from orchestrator.plan.model import Plan, PlannedNetwork, TeamRange
from orchestrator.runtime.backend import DeployReport, PublishedPort, TeardownReport
from orchestrator.runtime.docker.backend import DockerBackend
from orchestrator.runtime.docker.client import connect, exercise_filter, local_engine_url
from orchestrator.runtime.docker.deployment import (
    RangeTargets,
    deploy_ranges,
    image_ids,
    refuse_other_scenario,
)
from orchestrator.runtime.docker.firewall import ensure_isolation_rules
from orchestrator.runtime.docker.networks import ensure_network
from orchestrator.runtime.events import Action, EventSink
from orchestrator.runtime.parallel import run_parallel
from orchestrator.runtime.swarm.addressing import dynamic_range
from orchestrator.runtime.swarm.node_setup import (
    HELPER_IMAGE,
    install_isolation,
    missing_images,
    ship_images,
)
from orchestrator.runtime.swarm.nodes import SwarmNode, place, read_nodes


class SwarmBackend(DockerBackend):
    """Ranges on a Docker Swarm; the controller talks to a manager's engine."""

    name = "swarm"

    def __init__(self, api: Any, max_pool_size: int = 32) -> None:
        super().__init__(api)
        self._max_pool_size = max_pool_size
        self._node_apis: dict[str, Any] = {}
        self._team_nodes: dict[tuple[str, str], SwarmNode] = {}
        self._lock = threading.Lock()

    def nodes(self) -> list[SwarmNode]:
        return read_nodes(self.api)

    def node_api(self, node: SwarmNode) -> Any:
        """The engine of a node: the manager's own, or the one its label names."""
        if node.local or node.engine_url is None:
            return self.api
        with self._lock:
            if node.id not in self._node_apis:
                self._node_apis[node.id] = connect(self._max_pool_size, node.engine_url)
            return self._node_apis[node.id]

    def engine_url(self, exercise: str, team: str) -> str:
        node = self._team_node(exercise, team)
        return local_engine_url() if node.local or node.engine_url is None else node.engine_url

    def teams_per_node(self) -> dict[str, dict[str, set[str]] | None]:
        """node id -> exercise -> teams whose hosts run there; None for a node whose
        engine cannot be reached (down, or no `rangectl.engine` label)."""
        found: dict[str, dict[str, set[str]] | None] = {}
        for node in self.nodes():
            if node.state != "ready" or not node.reachable:
                found[node.id] = None
                continue
            listed = self.node_api(node).containers(all=True, filters={"label": [label.EXERCISE]})
            held: dict[str, set[str]] = {}
            for container in listed:
                labels = container.get("Labels") or {}
                held.setdefault(labels[label.EXERCISE], set()).add(label.read(labels, label.TEAM))
            found[node.id] = held
        return found

    def placement(self, plan: Plan) -> dict[str, SwarmNode]:
        """Where `up` puts (or keeps) each team's range; refuses a site with no node."""
        return place(plan, self.nodes(), self._kept(plan.exercise))

    def deploy(self, plan: Plan, published: Mapping[str, PublishedPort],
               on_event: EventSink, max_workers: int) -> DeployReport:
        placed = self.placement(plan)
        used = {node.id: node for node in placed.values()}
        images = image_ids(self.api, plan)
        wanted = {**images, HELPER_IMAGE: str(self.api.inspect_image(HELPER_IMAGE)["Id"])}
        run_parallel(lambda node: self._prepare(node, wanted), list(used.values()),
                     max_workers)
        networks: dict[str, Any] = {}
        for node in [*used.values()]:
            api = self.node_api(node)
            networks.update({n["Name"]: n for n in api.networks(
                filters=exercise_filter(plan.exercise))})
        networks.update({n["Name"]: n for n in self.api.networks(
            filters=exercise_filter(plan.exercise))})
        containers = self._containers(plan.exercise)
        refuse_other_scenario(plan, [*networks.values(), *containers.values()])
        with self._lock:
            self._team_nodes.update({(plan.exercise, team): node
                                     for team, node in placed.items()})

        def make_network(team: TeamRange, network: PlannedNetwork,
                         labels: dict[str, str]) -> Action:
            if network.purpose == "access":  # a bridge on the bastion's own node
                return ensure_network(self.node_api(placed[team.team]), network, networks,
                                      labels)
            taken = [network.gateway, *(host.addresses[network.name] for host in team.hosts
                                        if network.name in host.addresses)]
            return ensure_network(self.api, network, networks, labels, overlay=True,
                                  ip_range=dynamic_range(network.subnet, taken))

        targets = RangeTargets(
            host_api=lambda team: self.node_api(placed[team.team]), make_network=make_network,
            containers=containers,
            extra_labels=lambda team: {label.SCENARIO: plan.scenario,
                                       label.NODE: placed[team.team].id})
        return deploy_ranges(plan, published, targets, images, on_event, max_workers)

    def _prepare(self, node: SwarmNode, images: dict[str, str]) -> None:
        """Images and firewall rules on a node, before any of its ranges exist."""
        if node.local or node.engine_url is None:
            ensure_isolation_rules()
            return
        api = self.node_api(node)
        ship_images(self.api, api, missing_images(api, images), node.hostname)
        install_isolation(api, node.hostname)

    def _engines(self) -> list[Any]:
        """The manager's engine first, then every ready node the controller can reach."""
        others = [self.node_api(node) for node in self.nodes()
                  if not node.local and node.engine_url and node.state == "ready"]
        return [self.api, *others]

    def _team_api(self, exercise: str, team: str) -> Any:
        return self.node_api(self._team_node(exercise, team))

    def _team_node(self, exercise: str, team: str) -> SwarmNode:
        """The node a team's range is on, as its networks' `rangectl.node` label says;
        the manager for a team not (or no longer) placed."""
        with self._lock:
            found = self._team_nodes.get((exercise, team))
        if found is not None:
            return found
        nodes = {node.id: node for node in self.nodes()}
        node_id = self._kept(exercise).get(team)
        node = nodes.get(node_id or "") or next(n for n in nodes.values() if n.local)
        with self._lock:
            self._team_nodes[(exercise, team)] = node
        return node

    def _kept(self, exercise: str) -> dict[str, str]:
        """team -> node id, from the overlay networks an earlier `up` made."""
        kept = {}
        for network in self.api.networks(filters=exercise_filter(exercise)):
            labels = network.get("Labels") or {}
            if label.NODE in labels and label.TEAM in labels:
                kept[labels[label.TEAM]] = labels[label.NODE]
        return kept

    def teardown(self, exercise: str, on_event: EventSink,
                 max_workers: int) -> TeardownReport:
        with self._lock:
            for key in [key for key in self._team_nodes if key[0] == exercise]:
                del self._team_nodes[key]
        return super().teardown(exercise, on_event, max_workers)
