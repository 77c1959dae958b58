"""The nodes of a swarm as rangectl sees them, and which node holds which team.

A node says which sites it serves with the label `rangectl.site` (one site,
or several comma-separated: a single machine can stand in for two sites) and
how the controller reaches its engine with `rangectl.engine` (an `ssh://` or
`tcp://` URL; the manager the controller runs on needs none). Placement is
pure, so it is unit-tested without a swarm.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from orchestrator import labels as label
from orchestrator.errors import RuntimeFailureError
from orchestrator.plan.model import Plan


@dataclass(frozen=True)
class SwarmNode:
    id: str
    hostname: str
    role: str  # manager or worker
    state: str  # ready, down...
    availability: str  # active, pause, drain
    address: str
    sites: tuple[str, ...]
    engine_url: str | None  # None: the engine the controller talks to
    cpus: float
    memory_bytes: int
    local: bool

    @property
    def reachable(self) -> bool:
        """The controller can start containers on it: its own engine, or a labelled one."""
        return self.local or self.engine_url is not None

    @property
    def usable(self) -> bool:
        return self.state == "ready" and self.availability == "active" and self.reachable


def read_nodes(api: Any) -> list[SwarmNode]:
    """Every node of the swarm `api`'s engine manages, sorted by host name."""
    local_id = str(((api.info() or {}).get("Swarm") or {}).get("NodeID") or "")
    nodes = []
    for node in api.nodes():
        spec = node.get("Spec") or {}
        node_labels = spec.get("Labels") or {}
        description = node.get("Description") or {}
        resources = description.get("Resources") or {}
        status = node.get("Status") or {}
        nodes.append(SwarmNode(
            id=str(node["ID"]), hostname=str(description.get("Hostname") or node["ID"]),
            role=str(spec.get("Role") or "worker"), state=str(status.get("State") or "unknown"),
            availability=str(spec.get("Availability") or "active"),
            address=str(status.get("Addr") or ""),
            sites=site_list(node_labels.get(label.SITE, "")),
            engine_url=node_labels.get(label.ENGINE) or None,
            cpus=int(resources.get("NanoCPUs") or 0) / 1e9,
            memory_bytes=int(resources.get("MemoryBytes") or 0),
            local=str(node["ID"]) == local_id))
    return sorted(nodes, key=lambda n: (n.hostname, n.id))


def site_list(value: str) -> tuple[str, ...]:
    """The sites of a `rangectl.site` label value: `ottawa` or `ottawa,tallinn`."""
    return tuple(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))


def label_command(site: str) -> str:
    return f"docker node update --label-add {label.SITE}={site} NODE"


def engine_command() -> str:
    return f"docker node update --label-add {label.ENGINE}=tcp://ADDRESS:2376 NODE"


def place(plan: Plan, nodes: Sequence[SwarmNode],
          kept: Mapping[str, str] | None = None) -> dict[str, SwarmNode]:
    """The node each team's range runs on: a usable node of the team's site.

    A team keeps the node it already has (`kept`: team -> node id) while that
    node still serves the site, so a second `up` moves nothing; new teams go to
    the site's node holding the fewest teams, ties by host name. Refuses, naming
    every site with no usable node, before anything is created.
    """
    kept = kept or {}
    by_site: dict[str, list[SwarmNode]] = {}
    for node in nodes:
        if node.usable:
            for site in node.sites:
                by_site.setdefault(site, []).append(node)
    missing = sorted({team.site for team in plan.teams} - set(by_site))
    unreachable = sorted({site for node in nodes if not node.reachable for site in node.sites}
                         & set(missing))
    if unreachable:
        raise RuntimeFailureError(
            f"the nodes of site{'s' if len(unreachable) > 1 else ''} "
            + ", ".join(f"'{site}'" for site in unreachable)
            + " do not say how the controller reaches their engine",
            f"label each with its engine's address: {engine_command()} (or ssh://USER@HOST)")
    if missing:
        raise RuntimeFailureError(
            f"no usable swarm node serves site{'s' if len(missing) > 1 else ''} "
            + ", ".join(f"'{site}'" for site in missing)
            + f" (teams {', '.join(t.team for t in plan.teams if t.site in missing)})",
            "label a node for each: " + "; ".join(label_command(s) for s in missing)
            + " (see `rangectl sites`)")
    load: dict[str, int] = {node.id: 0 for node in nodes}
    placed: dict[str, SwarmNode] = {}
    for team in plan.teams:
        candidates = by_site[team.site]
        node = next((n for n in candidates if n.id == kept.get(team.team)), None) \
            or min(candidates, key=lambda n: (load[n.id], n.hostname, n.id))
        placed[team.team] = node
        load[node.id] += 1
    return placed


def teams_by_node(containers: Iterable[Mapping[str, str]]) -> dict[str, dict[str, set[str]]]:
    """node id -> exercise -> teams, from the labels of placed containers."""
    found: dict[str, dict[str, set[str]]] = {}
    for labels in containers:
        node = labels.get(label.NODE)
        if node and label.EXERCISE in labels:
            found.setdefault(node, {}).setdefault(labels[label.EXERCISE], set()).add(
                label.read(labels, label.TEAM))
    return found
