"""What a node needs before a team's range lands on it: the images and the firewall.

No registry is reachable and the base image is bootstrapped, not pulled, so
images go from the manager that built them to a node as `docker save` on
one engine piped into `docker load` on the other, over the engine API: the
image ids stay the same, so a host's config hash (and an idempotent `up`)
does not depend on which node it runs on. Images a node already holds, by
id, are not sent again.

The firewall rules that keep a range from reaching its machine are the local
backend's (runtime/docker/firewall.py); a node the controller reaches only
through its engine gets them from a short-lived helper container that enters
the node's own namespaces (nsenter into PID 1) and runs the node's iptables.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from orchestrator.errors import RuntimeFailureError
from orchestrator.images.sources import reference_of
from orchestrator.runtime.docker.client import explain_api_error
from orchestrator.runtime.docker.firewall import isolation_script

HELPER_IMAGE = "rangectl/base"
# nsenter into PID 1's mount and network namespaces: setns needs SYS_ADMIN and
# SYS_CHROOT, reading /proc/1/ns needs SYS_PTRACE, iptables NET_ADMIN and NET_RAW.
# Not `privileged`: that asks for every capability, which an engine that lacks
# one (a nested engine) refuses.
HELPER_CAPABILITIES = ["NET_ADMIN", "NET_RAW", "SYS_ADMIN", "SYS_CHROOT", "SYS_PTRACE"]
HELPER_TIMEOUT = 60


def missing_images(node_api: Any, wanted: dict[str, str]) -> list[str]:
    """The image names (of `wanted`: name -> id) whose id the node does not hold."""
    missing = []
    for name, image_id in sorted(wanted.items()):
        try:
            held = str(node_api.inspect_image(reference_of(name))["Id"])
        except Exception:
            held = ""
        if held != image_id:
            missing.append(name)
    return missing


def ship_images(manager_api: Any, node_api: Any, names: Iterable[str], node: str) -> None:
    """`docker save` the images on the manager, `docker load` them on the node."""
    for name in names:
        try:
            node_api.load_image(manager_api.get_image(reference_of(name)), quiet=True)
        except Exception as exc:
            raise RuntimeFailureError(
                f"cannot send image {name} to swarm node {node}: {explain_api_error(exc)}",
                "check the node's disk space and that its engine is reachable "
                "(rangectl sites)") from None


def install_isolation(node_api: Any, node: str) -> None:
    """Install rangectl's firewall rules in the node's own network namespace."""
    try:
        container = node_api.create_container(
            HELPER_IMAGE, name=f"rangectl-firewall-{uuid.uuid4().hex[:8]}",
            command=["nsenter", "-t", "1", "-m", "-n", "--", "sh", "-c", isolation_script()],
            labels={"rangectl.helper": "firewall"},
            host_config=node_api.create_host_config(
                network_mode="host", pid_mode="host", cap_drop=["ALL"],
                cap_add=HELPER_CAPABILITIES,
                security_opt=["apparmor=unconfined", "seccomp=unconfined"]))
    except Exception as exc:
        raise RuntimeFailureError(
            f"cannot start the firewall helper on swarm node {node}: {explain_api_error(exc)}",
            "the helper runs from rangectl/base, which `up` sends to the node first") from None
    try:
        node_api.start(container["Id"])
        exit_code = node_api.wait(container["Id"], timeout=HELPER_TIMEOUT)["StatusCode"]
        output = node_api.logs(container["Id"]).decode(errors="replace").strip()
    finally:
        node_api.remove_container(container["Id"], force=True)
    if exit_code != 0:
        raise RuntimeFailureError(
            f"cannot isolate ranges on swarm node {node}: {output or f'exit {exit_code}'}",
            "the node needs iptables and ip6tables, and its engine must allow the "
            "helper's capabilities")
