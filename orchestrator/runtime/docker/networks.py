"""A team's networks on Docker: internal bridges (or, on a swarm, internal encrypted
overlays) with the subnets rangectl chose."""

from __future__ import annotations

import time
from typing import Any

from orchestrator import labels as label
from orchestrator.errors import RuntimeFailureError
from orchestrator.plan.model import PlannedNetwork
from orchestrator.runtime.docker.client import explain_api_error
from orchestrator.runtime.docker.firewall import bridge_name
from orchestrator.runtime.events import Action


def network_options(network: PlannedNetwork) -> dict[str, str]:
    """Bridge options: a known bridge name for the firewall, and no NAT to the outside."""
    return {
        "com.docker.network.bridge.name": bridge_name(network.docker_name,
                                                      network.purpose == "access"),
        "com.docker.network.bridge.enable_ip_masquerade": "false",
    }


def overlay_options() -> dict[str, str]:
    """Overlay options: traffic between nodes in IPsec, so a range that crosses sites
    never travels in clear (Docker drops it rather than send it unencrypted)."""
    return {"encrypted": "true"}


def ensure_network(
    api: Any, network: PlannedNetwork, existing: dict[str, Any], labels: dict[str, str],
    overlay: bool = False, ip_range: str | None = None,
) -> Action:
    """Create the network unless it exists with the planned subnet.

    `overlay`: an attachable swarm overlay (containers started on any node's engine
    join it), created through a manager, instead of a bridge on `api`'s machine;
    `ip_range`, the block the engine may pick addresses from itself."""
    found = existing.get(network.docker_name)
    if found is not None:
        subnets = [config.get("Subnet") for config in (found.get("IPAM") or {}).get("Config") or []]
        if network.subnet not in subnets:
            raise RuntimeFailureError(
                f"team '{network.labels[label.TEAM]}': network {network.docker_name} exists "
                f"with subnet {', '.join(map(str, subnets))}, the plan wants {network.subnet}",
                "take the exercise down first: rangectl down --exercise "
                + network.labels[label.EXERCISE])
        return "reused"
    pool = {"Subnet": network.subnet, "Gateway": network.gateway}
    ipam = {"Driver": "default", "Config": [{**pool, "IPRange": ip_range} if ip_range else pool]}
    try:
        api.create_network(network.docker_name, driver="overlay" if overlay else "bridge",
                           internal=network.internal, ipam=ipam, labels=labels,
                           options=overlay_options() if overlay else network_options(network),
                           attachable=overlay or None, check_duplicate=True)
    except Exception as exc:
        raise RuntimeFailureError(
            f"team '{network.labels[label.TEAM]}': cannot create network "
            f"'{network.name}' ({network.subnet}): {explain_api_error(exc)}",
            "another network may hold this subnet; rangectl plans around the engine's "
            "networks, so run up again, or choose another --pool") from None
    return "created"


STALE_ENDPOINT_RETRIES = 5
# A swarm manager frees an attachable overlay only once every node has reported its
# containers gone ("in use by task": the attachment tasks of removed containers).
ATTACHMENT_WAIT = 60.0


def remove_network(api: Any, network_id: str) -> list[str]:
    """Remove a network, first cutting off whatever is still attached to it.

    After its containers are removed, the network can still count endpoints:
    a container someone attached by hand, or an endpoint the engine kept for a
    container it removed (a known Docker Engine bug, moby/moby#42119, which only
    a forced disconnect or an engine restart clears). Both are force-disconnected,
    so `down` never leaves a range network behind. Returns what was cut off.
    """
    detached: list[str] = []
    stale = 0
    deadline = time.monotonic() + ATTACHMENT_WAIT
    while True:
        try:
            api.remove_network(network_id)
            return detached
        except Exception as exc:
            message = explain_api_error(exc)
            if "not found" in message.lower():
                return detached
            if "active endpoints" in message and stale < STALE_ENDPOINT_RETRIES - 1:
                detached += _disconnect_all(api, network_id)
                time.sleep(0.2 * 2 ** stale)
                stale += 1
                continue
            if "in use by task" in message and time.monotonic() < deadline:
                time.sleep(0.5)
                continue
            raise RuntimeFailureError(
                f"cannot remove network {network_id[:12]}: {message}",
                _removal_hint(message)) from None


def _removal_hint(message: str) -> str | None:
    if "active endpoints" in message:
        return ("the Docker Engine still counts an endpoint of a removed container (a known "
                "engine bug); restart it (e.g. systemctl restart docker) and run down again")
    if "in use by task" in message:
        return ("a swarm node has not reported its containers removed (is it down? see "
                "rangectl sites); run down again once it is back, or remove the node")
    return None


def _disconnect_all(api: Any, network_id: str) -> list[str]:
    """Force-disconnect every endpoint the engine still lists on the network."""
    try:
        attached = api.inspect_network(network_id).get("Containers") or {}
    except Exception:
        return []
    names = []
    for endpoint, info in attached.items():
        name = str((info or {}).get("Name") or endpoint)
        try:
            api.disconnect_container_from_network(endpoint, network_id, force=True)
        except Exception:
            try:  # a stale endpoint is known by its name, not by a container id
                api.disconnect_container_from_network(name, network_id, force=True)
            except Exception:
                continue
        names.append(name)
    return names
