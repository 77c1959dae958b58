"""The Ansible inventory of one team's range, written so Ansible can only read it as data.

Scenario files travel between nations, and Ansible templates every string it
is given: a team name or a role variable such as
`{{ lookup('pipe', 'id') }}` would run on the controller, as root, at `up`.
So every string that reaches Ansible from a scenario, the plan or the team's
secrets and could be a template (it holds a `{`, which every Jinja2 start
marker does) is written with YAML's `!unsafe` tag, which ansible-core honours
by never templating it (a JSON inventory has no way to say so). Other strings
are written quoted and plain: ansible-core 2.19 resolves an `!unsafe` scalar's
type as if it were unquoted, so `!unsafe '123456'` would arrive as a number
and `!unsafe 'true'` as a boolean.

Pure: no I/O beyond turning a mapping into text, so it is unit-tested without
Ansible or Docker.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from orchestrator.labels import OWN_HOSTS
from orchestrator.plan.model import Plan, TeamRange
from orchestrator.plan.templates import host_view
from orchestrator.scenario.model import Scenario

OWN_ROLES: dict[str, list[str]] = {host: [] for host in OWN_HOSTS}

# rangectl's own settings, never from a scenario: written as plain YAML.
CONNECTION_VARS = ("ansible_connection", "ansible_python_interpreter")


class _Unsafe(str):
    """A string Ansible must never template (written as `!unsafe '...'`)."""


class _InventoryDumper(yaml.SafeDumper):
    """SafeDumper that also knows `_Unsafe`; rangectl's own settings stay plain."""


def _represent_unsafe(dumper: yaml.SafeDumper, value: _Unsafe) -> yaml.ScalarNode:
    return dumper.represent_scalar("!unsafe", str(value), style="'")


_InventoryDumper.add_representer(_Unsafe, _represent_unsafe)


def _text(value: str) -> str:
    """`value` as an `_Unsafe` string when Ansible could read it as a template."""
    return _Unsafe(value) if "{" in value else value


def mark_unsafe(value: Any) -> Any:
    """Every string inside `value`, keys included, that could be a template, as `_Unsafe`."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, Mapping):
        return {_text(str(key)): mark_unsafe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [mark_unsafe(item) for item in value]
    return value


def inventory(scenario: Scenario, plan: Plan, team: TeamRange, secrets: Mapping[str, str],
              access: Mapping[str, Any], connection: str,
              bundled: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The inventory of one team's range (container names as hosts), every value data.

    Hosts of foreign images are left out (nothing in them for Ansible to use), and
    so are the `bundled` roles: a bundle's roles run inside the hosts
    (orchestrator/bundle_roles.py), never in the controller's Ansible."""
    hosts: dict[str, Any] = {}
    for host in team.hosts:
        if not host.managed:
            continue
        entry = scenario.host(host.name)
        roles = [{"name": r.name, "vars": r.vars} for r in entry.roles
                 if r.name not in bundled] if entry else [
            {"name": name, "vars": {}} for name in OWN_ROLES[host.role]]
        vulnerabilities = [{"name": v.name, "vars": v.vars} for v in entry.vulnerabilities
                           if v.name not in bundled] if entry else []
        hosts[host.container_name] = mark_unsafe({
            "rangectl_host": host.name, "rangectl_role": host.role,
            "rangectl_roles": roles, "rangectl_vulnerabilities": vulnerabilities,
        })
    team_vars = mark_unsafe({
        "rangectl_exercise": plan.exercise, "rangectl_team": team.team,
        "rangectl_team_name": team.name, "rangectl_secrets": dict(secrets),
        "rangectl_access": dict(access),
        "rangectl_hosts": {h.name: {**host_view(h), "role": h.role} for h in team.hosts},
        "rangectl_networks": {n.name: {"subnet": n.subnet, "gateway": n.gateway}
                              for n in team.networks},
    })
    own = {"ansible_connection": connection, "ansible_python_interpreter": "/usr/bin/python3"}
    return {"all": {"hosts": hosts, "vars": {**own, **team_vars}}}


def inventory_yaml(document: Mapping[str, Any]) -> str:
    """The inventory as YAML text, `!unsafe` on every value `mark_unsafe` marked."""
    return yaml.dump(dict(document), Dumper=_InventoryDumper, sort_keys=True,
                     allow_unicode=True, default_flow_style=False, width=10_000)
