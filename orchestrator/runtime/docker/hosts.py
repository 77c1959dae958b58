"""A range host on Docker: one container, on its networks at its planned addresses.

A container carries a hash of everything it was created from (the plan's host,
the image id, the published port) in the label `rangectl.config`; `up`
compares it to decide between leaving a container alone, starting it, or
recreating it, which is what makes `up` idempotent and able to finish a
deployment that was interrupted halfway.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from orchestrator.errors import RuntimeFailureError
from orchestrator.labels import CONFIG as CONFIG_LABEL
from orchestrator.plan.model import PlannedHost, TeamRange
from orchestrator.runtime.backend import PublishedPort
from orchestrator.runtime.docker.client import explain_api_error
from orchestrator.runtime.events import Action

SSH_PORT = 22
# Every container starts from no capability at all and gets only its plan's set.
CAP_DROP = ["ALL"]
# Any process may bind a port below 1024 inside its own network namespace (Docker's
# default since 20.10, made explicit), so no host needs NET_BIND_SERVICE for that.
BASE_SYSCTLS = {"net.ipv6.conf.all.disable_ipv6": "1",
                "net.ipv4.ip_unprivileged_port_start": "0"}
# A read-only host still needs scratch space: Ansible's and Mitogen's temporary files
# (in /root and /tmp), and what tools write as they run. In memory, gone at restart.
SCRATCH = {"/tmp": "size=64m", "/var/tmp": "size=16m", "/run": "size=8m",
           "/root": "size=16m"}


def config_hash(host: PlannedHost, image_id: str, published: PublishedPort | None) -> str:
    """Everything the container is made from; a change (a new hardening rule too)
    makes `up` recreate it."""
    document = {"host": host.model_dump(mode="json"), "image": image_id,
                "published": [published.address, published.port] if published else None,
                "runtime": {"cap_drop": CAP_DROP, "sysctls": BASE_SYSCTLS,
                            "scratch": SCRATCH if host.read_only else None}}
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()[:16]


def ensure_host(
    api: Any, team: TeamRange, host: PlannedHost, image_id: str,
    published: PublishedPort | None, existing: Mapping[str, Any], labels: dict[str, str],
) -> Action:
    """Make the host's container exist, match the plan, and run."""
    wanted = config_hash(host, image_id, published)
    found = existing.get(host.container_name)
    action: Action = "created"
    if found is not None:
        if found["Labels"].get(CONFIG_LABEL) == wanted and _attached_as_planned(found, team, host):
            if found["State"] == "running":
                return "unchanged"
            start_container(api, team, host, found["Id"])
            return "started"
        remove_container(api, team, host, found["Id"])
        action = "recreated"
    container_id = create_container(api, team, host, {**labels, CONFIG_LABEL: wanted}, published)
    start_container(api, team, host, container_id)
    return action


def _attached_as_planned(found: dict[str, Any], team: TeamRange, host: PlannedHost) -> bool:
    """False for a container left half-connected by an interrupted `up`."""
    networks = {net.name: net.docker_name for net in team.networks}
    wanted = {networks[name] for name in host.addresses}
    attached = set(((found.get("NetworkSettings") or {}).get("Networks") or {}).keys())
    return attached == wanted


def create_container(
    api: Any, team: TeamRange, host: PlannedHost, labels: dict[str, str],
    published: PublishedPort | None,
) -> str:
    networks = {net.name: net.docker_name for net in team.networks}
    attachments = list(host.addresses.items())
    first_name, first_address = attachments[0]
    aliases = [host.hostname, *host.aliases]
    host_config = api.create_host_config(
        network_mode=networks[first_name],
        cap_drop=CAP_DROP,
        cap_add=list(host.capabilities) or None,
        security_opt=["no-new-privileges:true"] if host.no_new_privileges else None,
        read_only=host.read_only,
        tmpfs=SCRATCH if host.read_only else None,
        mem_limit=host.memory_bytes,
        nano_cpus=int(host.cpus * 1_000_000_000),
        pids_limit=host.pids,
        restart_policy={"Name": "unless-stopped"},
        port_bindings={SSH_PORT: (published.address, published.port)} if published else None,
        sysctls={**BASE_SYSCTLS, **host.sysctls},
    )
    networking = api.create_networking_config({
        networks[first_name]: api.create_endpoint_config(ipv4_address=first_address,
                                                         aliases=aliases),
    })
    try:
        created = api.create_container(
            image=host.image, name=host.container_name, hostname=host.hostname, labels=labels,
            host_config=host_config, networking_config=networking, detach=True,
            ports=[SSH_PORT] if published else None,
        )
        for name, address in attachments[1:]:
            api.connect_container_to_network(created["Id"], networks[name],
                                             ipv4_address=address, aliases=aliases)
    except Exception as exc:
        raise host_failure(team, host, "cannot create the container", exc) from None
    return str(created["Id"])


def start_container(api: Any, team: TeamRange, host: PlannedHost, container_id: str) -> None:
    try:
        api.start(container_id)
    except Exception as exc:
        raise host_failure(team, host, "cannot start the container", exc) from None


def remove_container(api: Any, team: TeamRange, host: PlannedHost, container_id: str) -> None:
    try:
        api.remove_container(container_id, force=True, v=True)
    except Exception as exc:
        raise host_failure(team, host, "cannot remove the old container", exc) from None


def host_failure(team: TeamRange, host: PlannedHost, what: str,
                 exc: Exception) -> RuntimeFailureError:
    message = explain_api_error(exc)
    hint = None
    if "No such image" in message:
        hint = "build the images: rangectl images build"
    elif "address already in use" in message or "port is already allocated" in message:
        hint = "another program holds the bastion's port; run up again to pick another"
    return RuntimeFailureError(f"team '{team.team}', host '{host.name}': {what}: {message}",
                               hint)


def apply_routes(api: Any, team: TeamRange, host: PlannedHost) -> None:
    """Install the host's routes through its routers.

    Routes live in the container's network namespace and vanish when it
    restarts, so every `up` applies them again (`replace` is idempotent).
    """
    if not host.routes:
        return
    script = " && ".join(f"ip route replace {route.subnet} via {route.via}"
                         for route in host.routes)
    try:
        created = api.exec_create(host.container_name, ["sh", "-c", script])
        output = api.exec_start(created["Id"]).decode(errors="replace").strip()
        exit_code = api.exec_inspect(created["Id"])["ExitCode"]
    except Exception as exc:
        raise host_failure(team, host, "cannot set its routes", exc) from None
    if exit_code != 0:
        raise RuntimeFailureError(
            f"team '{team.team}', host '{host.name}': cannot set its routes: {output}")
