"""A scenario's scored services, made concrete for one team: what the team's
scorebot checks, at which address, with which rendered expectations."""

from __future__ import annotations

from typing import Any

from orchestrator.labels import SCOREBOT
from orchestrator.plan.model import PlannedCheck, PlannedHost
from orchestrator.plan.templates import render_or_note
from orchestrator.scenario.model import Scenario, Service
from orchestrator.scenario.yaml_source import PathKey


def planned_checks(
    scenario: Scenario, hosts: list[PlannedHost], context: dict[str, Any],
    problems: list[tuple[PathKey, str]],
) -> tuple[PlannedCheck, ...]:
    planned_hosts = {host.name: host for host in hosts}
    scorebot_networks = set(planned_hosts[SCOREBOT].addresses)
    checks = []
    for h_index, host in enumerate(scenario.hosts):
        for s_index, service in enumerate(host.services):
            if not service.scored:
                continue
            spec = _check_spec(service)
            for field in ("contains", "query", "expect", "run"):
                if isinstance(spec.get(field), str):
                    path = ("hosts", h_index, "services", s_index, "check", field)
                    spec[field] = render_or_note(spec[field], context, path, problems)
            checks.append(PlannedCheck(
                host=host.name, service=service.name,
                address=_address_seen_from(planned_hosts[host.name], scorebot_networks),
                port=service.port, protocol=service.protocol, check=spec))
    return tuple(checks)


def _address_seen_from(host: PlannedHost, networks: set[str]) -> str:
    """The host's address on a network the scorebot shares, else its first one."""
    shared = [address for name, address in host.addresses.items() if name in networks]
    return shared[0] if shared else next(iter(host.addresses.values()))


def _check_spec(service: Service) -> dict[str, Any]:
    if service.check is None:
        return {"type": "tcp", "banner": None, "timeout": 5}
    return service.check.model_dump()
