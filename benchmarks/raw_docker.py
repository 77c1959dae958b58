"""The floor: the same networks and containers, made with the plain Docker SDK.

Same plan, same images, same parameters, the same number of parallel workers;
none of rangectl's planning, records, checks or firewall. rangectl's overhead
is measured against this, in the same run, on the same machine.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from orchestrator.plan.model import Plan, PlannedHost, TeamRange
from orchestrator.runtime.docker.hosts import CAP_DROP, SCRATCH
from orchestrator.runtime.docker.networks import remove_network

RAW_LABEL = "rangectl.bench-raw"


def raw_up(api: Any, plan: Plan, workers: int, overlay: bool = False) -> None:
    """`overlay`: the range networks as a swarm backend makes them (attachable,
    encrypted overlays), the access networks as bridges still."""

    def make_network(args: tuple[TeamRange, Any]) -> None:
        _, net = args
        on_swarm = overlay and net.purpose != "access"
        api.create_network(f"raw-{net.docker_name}", driver="overlay" if on_swarm else "bridge",
                           internal=net.internal, attachable=on_swarm or None,
                           options={"encrypted": "true"} if on_swarm else None,
                           ipam={"Config": [{"Subnet": net.subnet, "Gateway": net.gateway}]},
                           labels={RAW_LABEL: plan.exercise})

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(make_network, [(t, n) for t in plan.teams for n in t.networks]))
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda args: raw_host(api, plan, *args),
                      [(t, h) for t in plan.teams for h in t.hosts]))


def raw_host(api: Any, plan: Plan, team: TeamRange, host: PlannedHost) -> None:
    """One host's container, made and started as `up` would, with the plain SDK."""
    names = {net.name: f"raw-{net.docker_name}" for net in team.networks}
    attachments = list(host.addresses.items())
    first, address = attachments[0]
    config = api.create_host_config(
        network_mode=names[first], cap_drop=CAP_DROP,
        cap_add=list(host.capabilities) or None,
        security_opt=["no-new-privileges:true"] if host.no_new_privileges else None,
        read_only=host.read_only, tmpfs=SCRATCH if host.read_only else None,
        mem_limit=host.memory_bytes, nano_cpus=int(host.cpus * 1e9),
        pids_limit=host.pids, restart_policy={"Name": "unless-stopped"})
    networking = api.create_networking_config(
        {names[first]: api.create_endpoint_config(ipv4_address=address,
                                                  aliases=[host.hostname])})
    created = api.create_container(image=host.image, name=f"raw-{host.container_name}",
                                   hostname=host.hostname, host_config=config,
                                   networking_config=networking,
                                   labels={RAW_LABEL: plan.exercise})
    for name, other in attachments[1:]:
        api.connect_container_to_network(created["Id"], names[name], ipv4_address=other,
                                         aliases=[host.hostname])
    api.start(created["Id"])


def raw_replace(api: Any, plan: Plan, team: TeamRange, host: PlannedHost) -> None:
    """The floor of a reset: remove the host's container and make it again."""
    api.remove_container(f"raw-{host.container_name}", force=True, v=True)
    raw_host(api, plan, team, host)


def raw_down(api: Any, exercise: str, workers: int) -> None:
    label = {"label": [f"{RAW_LABEL}={exercise}"]}
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda c: api.remove_container(c["Id"], force=True, v=True),
                      api.containers(all=True, filters=label)))
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda n: remove_network(api, n["Id"]), api.networks(filters=label)))


def raw_leftovers(api: Any, exercise: str) -> int:
    label = {"label": [f"{RAW_LABEL}={exercise}"]}
    return len(api.containers(all=True, filters=label)) + len(api.networks(filters=label))
