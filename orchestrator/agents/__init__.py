"""Range-side agents: the scripts rangectl runs inside range containers.

Each module here is a whole program for a range host's own `python3`: the
standard library only (paramiko too, for the check runner's SSH checks, which
the scorebot image installs), no import from rangectl, so its source can be
sent as it is with `python3 -c` into an exec and nothing needs installing on
the host. The controller always runs its own version of them that way.

- `check_runner`: a team's service checks, on its scorebot (orchestrator/scorebot.py).
- `spool_reader`: a team's incident spool, on its bastion (orchestrator/exercise/incidents.py).
- `bundle_callback`: an Ansible callback for the Ansible inside range hosts, which runs a
  scenario bundle's roles there (orchestrator/bundle_roles.py).

This package is a leaf below every layer, so scoring may import the check
runner's `CheckResult`, the one vocabulary of verdicts the runner answers in.
The sources are read through `importlib.resources`, from a checkout or an
installed wheel alike, never from a path worked out from this file.

The bastion's syslog relay is not here: it is the bastion's PID-level service,
started by the image before any exec, so it is baked into the image
(images/bastion/rootfs) and its changes rebuild that image.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

AGENTS = frozenset({"bundle_callback", "check_runner", "spool_reader"})


@cache
def agent_source(name: str) -> str:
    """The source of the agent `name`, as it is sent into a range container."""
    if name not in AGENTS:
        raise ValueError(f"no range-side agent '{name}'; known: {', '.join(sorted(AGENTS))}")
    return resources.files(__name__).joinpath(f"{name}.py").read_text(encoding="utf-8")
