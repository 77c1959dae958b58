"""Which port each team's bastion is published on, chosen by `up` without an engine.

A trainee's access kit names the port, so a second `up` keeps it; two teams
(or two exercises on one machine) never share one; and a port counts as free
only if it can be bound on the address the bastions are published on.
"""

from __future__ import annotations

import socket

from orchestrator.errors import RuntimeFailureError
from orchestrator.plan import Plan
from orchestrator.state import ExerciseRecord, ExerciseState, known_exercises

BASTION_PORTS = range(22000, 23000)


def bastion_ports(plan: Plan, previous: ExerciseRecord | None,
                  bind_address: str) -> dict[str, int]:
    """Keep the ports a team already had; pick free ones for new teams."""
    kept = dict(previous.bastion_ports) if previous and previous.bind_address == bind_address \
        else {}
    taken = {port for name in known_exercises() if name != plan.exercise
             for port in ExerciseState(name).load_record().bastion_ports.values()}
    ports: dict[str, int] = {}
    for team in plan.teams:
        port = kept.get(team.team)
        if port is None:
            port = free_port(bind_address, taken | set(ports.values()))
        ports[team.team] = port
    return ports


def free_port(address: str, taken: set[int]) -> int:
    """The first port of BASTION_PORTS not `taken` that binds on `address`."""
    for port in BASTION_PORTS:
        if port in taken:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((address, port))
            except OSError:
                continue
        return port
    raise RuntimeFailureError(f"no free port for a bastion on {address} in "
                              f"{BASTION_PORTS.start}-{BASTION_PORTS.stop - 1}")
