"""Which backend a command talks to, decided in one place.

Commands, the engine and the benchmarks speak only the `RangeBackend`
contract; none of them names a concrete backend. A second backend is then
one branch here, not an edit in every command.
"""

from __future__ import annotations

from orchestrator.runtime.backend import RangeBackend
from orchestrator.runtime.docker.backend import DockerBackend

# Connections beyond the worker threads: the engine's event watchers and the
# command's own lookups run beside them.
SPARE_CONNECTIONS = 4


def open_backend(max_workers: int = 12) -> RangeBackend:
    """The backend of this controller's engine, with enough connections for
    `max_workers` parallel operations (Docker's client pools them per host)."""
    return DockerBackend(max_pool_size=max_workers + SPARE_CONNECTIONS)
