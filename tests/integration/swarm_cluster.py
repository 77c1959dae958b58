"""A Docker Swarm on this one machine, made and unmade by the swarm tests.

The machine's engine becomes the manager (advertised on a test bridge, so
nothing but this machine reaches it); a second Docker engine, Debian's
docker.io in a container built FROM the project's base image, joins it as a
worker for the two-site tests. Both are torn down whatever a test did: the
worker's container and storage removed, the manager out of the swarm.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ENGINE_IMAGE = "rangectl-test/engine"
ENGINE_DIR = Path(__file__).parent / "engine"
NETWORK = "rangectl-test-sites"
WORKER = "rangectl-test-tallinn-engine"
WORKER_PORT = 2375
# Not --privileged: that asks for every capability, and an engine that lacks one (as
# on a nested VM) refuses it. What a nested dockerd needs, and nothing it cannot get.
WORKER_OPTIONS = ("--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE",
                  "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
                  "--security-opt", "systempaths=unconfined",
                  "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw")


def docker(*args: str, host: str | None = None, timeout: float = 300,
           check: bool = True) -> str:
    command = ["docker", *(("-H", host) if host else ()), *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                            check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command)}: {result.stderr.strip()}")
    return result.stdout.strip()


def swarm_state() -> str:
    return docker("info", "--format", "{{.Swarm.LocalNodeState}}")


@dataclass(frozen=True)
class Manager:
    node_id: str
    address: str  # where the manager is advertised: the test bridge's gateway


def start_manager() -> Manager:
    """Make this machine's engine a single-node swarm, advertised on a test bridge."""
    docker("network", "create", "--label", "rangectl.test=swarm", NETWORK)
    address = docker("network", "inspect", NETWORK, "--format",
                     "{{(index .IPAM.Config 0).Gateway}}")
    docker("swarm", "init", "--advertise-addr", address, "--listen-addr", f"{address}:2377")
    return Manager(docker("info", "--format", "{{.Swarm.NodeID}}"), address)


def label_node(node_id: str, **labels: str) -> None:
    args = [arg for key, value in labels.items()
            for arg in ("--label-add", f"rangectl.{key}={value}")]
    docker("node", "update", *args, node_id)


def start_worker(manager: Manager) -> tuple[str, str]:
    """A second engine joined as a worker: (its node id, its engine's URL)."""
    docker("build", "-q", "--build-arg", "BASE=rangectl/base:latest", "-t", ENGINE_IMAGE,
           str(ENGINE_DIR), timeout=900)
    docker("run", "-d", "--name", WORKER, "--hostname", "tallinn-node", "--network", NETWORK,
           "--label", "rangectl.test=swarm", *WORKER_OPTIONS, ENGINE_IMAGE)
    address = docker("inspect", WORKER, "--format",
                     f"{{{{(index .NetworkSettings.Networks \"{NETWORK}\").IPAddress}}}}")
    url = f"tcp://{address}:{WORKER_PORT}"
    deadline = time.monotonic() + 90
    while subprocess.run(["docker", "-H", url, "info"], capture_output=True, timeout=30,
                         check=False).returncode != 0:
        if time.monotonic() > deadline:
            raise AssertionError(f"the worker engine did not start: "
                                 f"{docker('logs', '--tail', '20', WORKER, check=False)}")
        time.sleep(1)
    token = docker("swarm", "join-token", "-q", "worker")
    docker("swarm", "join", "--token", token, "--advertise-addr", address,
           f"{manager.address}:2377", host=url)
    return docker("info", "--format", "{{.Swarm.NodeID}}", host=url), url


def stop_worker(node_id: str | None) -> None:
    docker("rm", "-f", "-v", WORKER, check=False)
    if node_id:
        docker("node", "rm", "--force", node_id, check=False)


def stop_manager() -> None:
    docker("swarm", "leave", "--force", check=False, timeout=120)
    docker("network", "rm", "docker_gwbridge", check=False)  # made by swarm init
    for network in docker("network", "ls", "-q", "--filter", "label=rangectl.test=swarm",
                          check=False).split():
        docker("network", "rm", network, check=False)


def labelled(exercise: str, host: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """The containers and networks labelled with an exercise on one engine."""
    selector = f"label=rangectl.exercise={exercise}"
    found: dict[str, list[dict[str, Any]]] = {}
    for kind in ("container", "network"):
        listing = "ps -a" if kind == "container" else "network ls"
        ids = docker(*listing.split(), "-q", "--filter", selector, host=host).split()
        found[kind] = json.loads(docker(kind, "inspect", *ids, host=host)) if ids else []
    return found
