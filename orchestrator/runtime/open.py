"""Which backend a command talks to, decided in one place.

Commands, the engine and the benchmarks speak only the `RangeBackend`
contract; none of them names a concrete backend. The engine decides: a
swarm manager runs ranges across its nodes (each team on its site), any
other engine runs them all locally. RANGECTL_BACKEND=docker or swarm says
so explicitly (docker on a manager keeps every team on this machine).
"""

from __future__ import annotations

import os
from typing import Any

from orchestrator.errors import InvalidInputError, RuntimeFailureError
from orchestrator.runtime.backend import RangeBackend
from orchestrator.runtime.docker.backend import DockerBackend
from orchestrator.runtime.docker.client import connect
from orchestrator.runtime.swarm.backend import SwarmBackend

# Connections beyond the worker threads: the engine's event watchers and the
# command's own lookups run beside them.
SPARE_CONNECTIONS = 4
BACKENDS = ("auto", "docker", "swarm")


def open_backend(max_workers: int = 12) -> RangeBackend:
    """The backend of this controller's engine, with enough connections for
    `max_workers` parallel operations (Docker's client pools them per host)."""
    choice = os.environ.get("RANGECTL_BACKEND", "auto").strip().lower() or "auto"
    if choice not in BACKENDS:
        raise InvalidInputError(f"RANGECTL_BACKEND={choice!r} is not a backend",
                                "use one of: " + ", ".join(BACKENDS))
    pool = max_workers + SPARE_CONNECTIONS
    api = connect(pool)
    manager = is_swarm_manager(api)
    if choice == "swarm" and not manager:
        raise RuntimeFailureError(
            "RANGECTL_BACKEND=swarm, but this Docker engine is not a swarm manager",
            "make it one (docker swarm init) or run rangectl on a manager node")
    if choice == "swarm" or (choice == "auto" and manager):
        return SwarmBackend(api, pool)
    return DockerBackend(api)


def open_swarm(max_workers: int = 12) -> SwarmBackend:
    """The swarm this controller's engine manages, for what only a swarm has (its nodes)."""
    api = connect(max_workers + SPARE_CONNECTIONS)
    if not is_swarm_manager(api):
        raise RuntimeFailureError(
            "this Docker engine is not a swarm manager: every team's range runs on it",
            "to place teams on their sites, make it a manager (docker swarm init), join "
            "each site's machine, and label the nodes; see docs/runtime.md, "
            "\"Running across sites\"")
    return SwarmBackend(api, max_workers + SPARE_CONNECTIONS)


def is_swarm_manager(api: Any) -> bool:
    swarm = (api.info() or {}).get("Swarm") or {}
    return swarm.get("LocalNodeState") == "active" and bool(swarm.get("ControlAvailable"))
