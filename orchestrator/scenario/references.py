"""Checks that span the scenario: names that must exist, be unique, or fit.

Pydantic validates each part on its own; these rules need the whole scenario
(an inject's target must be a host, a host's network must exist). They run on
a structurally valid scenario and report every problem they find, each at the
place in the file that has to change.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from orchestrator.errors import Problem
from orchestrator.labels import OWN_HOSTS
from orchestrator.scenario.hints import secret_hint, suggest
from orchestrator.scenario.image_references import image_problems
from orchestrator.scenario.inject_references import inject_problems, timing_problems
from orchestrator.scenario.model import Host, Network, Scenario
from orchestrator.scenario.role_references import role_problems
from orchestrator.scenario.yaml_source import PathKey, SourceMap

if TYPE_CHECKING:
    from pathlib import Path

    from orchestrator.images.catalog import ImageRecipe
    from orchestrator.roles.catalog import RoleCatalog

RESERVED_HOSTS = frozenset(OWN_HOSTS)
# Addresses rangectl keeps in every subnet: .1 is the gateway, and the last
# usable addresses go to red, scorebot and bastion.
RESERVED_TAIL = 3


@dataclass(frozen=True)
class ReferenceContext:
    """What exists outside the scenario file that names in it may point at."""

    images: dict[str, ImageRecipe] | None = None  # None: do not check image names
    roles: RoleCatalog | None = None  # None: do not check roles and their vars
    bundle: Path | None = None  # the bundle's folder: where images/NAME.tar is looked for


def check_references(
    scenario: Scenario, source_map: SourceMap, context: ReferenceContext | None = None
) -> list[Problem]:
    """Every cross-reference problem of `scenario`, placed in its file."""
    context = context or ReferenceContext()
    checks = (
        _unique_names(scenario, source_map),
        _team_problems(scenario, source_map),
        _host_problems(scenario, source_map, context),
        _placement_problems(scenario, source_map),
        inject_problems(scenario, source_map),
        timing_problems(scenario, source_map),
    )
    return sorted({problem for check in checks for problem in check})


def _duplicates(
    names: Iterable[str], path_of: Iterable[PathKey], what: str, source_map: SourceMap
) -> Iterator[Problem]:
    seen: dict[str, PathKey] = {}
    for name, path in zip(names, path_of, strict=True):
        if name in seen:
            first = source_map.locate(seen[name])
            where = f" (first at line {first.line})" if first else ""
            yield source_map.problem(path, f"duplicate {what} '{name}'{where}",
                                     f"{what} names must be unique")
        else:
            seen[name] = path


def _unique_names(scenario: Scenario, sm: SourceMap) -> Iterator[Problem]:
    for section, items, what in (
        ("teams", [t.id for t in scenario.teams], "team id"),
        ("networks", [n.name for n in scenario.networks], "network"),
        ("injects", [i.name for i in scenario.injects], "inject"),
        ("secrets", [s.name for s in scenario.secrets], "secret"),
    ):
        key = "id" if section == "teams" else "name"
        yield from _duplicates(items, [(section, i, key) for i in range(len(items))], what, sm)
    rules = [penalty.rule for penalty in scenario.scoring.penalties]
    yield from _duplicates(rules, [("scoring", "penalties", i, "rule") for i in range(len(rules))],
                           "penalty rule", sm)
    # Host names and aliases share one name space: both resolve inside the range.
    names: list[str] = []
    paths: list[PathKey] = []
    for index, host in enumerate(scenario.hosts):
        names.append(host.name)
        paths.append(("hosts", index, "name"))
        for alias_index, alias in enumerate(host.aliases):
            names.append(alias)
            paths.append(("hosts", index, "aliases", alias_index))
    yield from _duplicates(names, paths, "host name or alias", sm)
    for index, name in enumerate(names):
        if name in RESERVED_HOSTS:
            yield sm.problem(paths[index], f"'{name}' is reserved for rangectl's own host",
                             "rename the host; red, scorebot and bastion are added to every range")


def _team_problems(scenario: Scenario, sm: SourceMap) -> Iterator[Problem]:
    for index, team in enumerate(scenario.teams):
        try:
            zoneinfo.ZoneInfo(team.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            yield sm.problem(("teams", index, "timezone"),
                             f"team '{team.id}': unknown time zone '{team.timezone}'",
                             "use an IANA name like America/Toronto or Europe/Tallinn")
        yield from _duplicates(team.trainees,
                               [("teams", index, "trainees", i) for i in range(len(team.trainees))],
                               "trainee", sm)


def _host_problems(
    scenario: Scenario, sm: SourceMap, context: ReferenceContext
) -> Iterator[Problem]:
    networks = {network.name: network for network in scenario.networks}
    secrets = {secret.name for secret in scenario.secrets}
    fixed: dict[tuple[str, int], str] = {}
    for index, host in enumerate(scenario.hosts):
        base: PathKey = ("hosts", index)
        yield from image_problems(host, base, context, sm)
        yield from role_problems(host, base, context.roles, secrets, sm)
        yield from _attachment_problems(host, base, networks, fixed, sm)
        yield from _service_problems(host, base, secrets, sm)
    yield from _capacity_problems(scenario, sm)
    yield from _router_problems(scenario, sm)


def _attachment_problems(
    host: Host, base: PathKey, networks: dict[str, Network],
    fixed: dict[tuple[str, int], str], sm: SourceMap,
) -> Iterator[Problem]:
    """A host's networks exist, are joined once, and its fixed host numbers fit
    and are its own (`fixed` holds the numbers taken by earlier hosts)."""
    attached: set[str] = set()
    for n_index, attachment in enumerate(host.networks):
        path = (*base, "networks", n_index)
        network = networks.get(attachment.name)
        if network is None:
            yield sm.problem(path, f"host '{host.name}': unknown network '{attachment.name}'",
                             suggest(attachment.name, networks))
            continue
        if attachment.name in attached:
            yield sm.problem(path, f"host '{host.name}' joins network "
                             f"'{attachment.name}' twice")
        attached.add(attachment.name)
        if attachment.host is not None:
            last = 2 ** (32 - network.prefix) - 2 - RESERVED_TAIL
            if attachment.host > last:
                yield sm.problem((*path, "host"),
                                 f"host '{host.name}': host number {attachment.host} does not "
                                 f"fit network '{network.name}' (a /{network.prefix})",
                                 f"use 2 to {last}, or a larger network")
            owner = fixed.setdefault((network.name, attachment.host), host.name)
            if owner != host.name:
                yield sm.problem((*path, "host"),
                                 f"host number {attachment.host} on '{network.name}' is "
                                 f"already taken by host '{owner}'")


def _router_problems(scenario: Scenario, sm: SourceMap) -> Iterator[Problem]:
    for n_index, network in enumerate(scenario.networks):
        if network.router is None:
            continue
        router = scenario.host(network.router)
        path = ("networks", n_index, "router")
        if router is None:
            yield sm.problem(path, f"network '{network.name}': unknown router host "
                             f"'{network.router}'", suggest(network.router,
                                                            [h.name for h in scenario.hosts]))
        elif network.name not in {a.name for a in router.networks}:
            yield sm.problem(path, f"network '{network.name}': router '{router.name}' is not "
                             "attached to it", f"add '{network.name}' to {router.name}'s networks")


def _service_problems(
    host: Host, base: PathKey, secrets: set[str], sm: SourceMap
) -> Iterator[Problem]:
    services = host.services
    yield from _duplicates([s.name for s in services],
                           [(*base, "services", i, "name") for i in range(len(services))],
                           f"service of host '{host.name}',", sm)
    yield from _duplicates([f"{s.port}/{s.protocol}" for s in services],
                           [(*base, "services", i, "port") for i in range(len(services))],
                           f"port of host '{host.name}',", sm)
    for s_index, service in enumerate(services):
        check = service.check
        if check is not None and check.type == "ssh" and check.password_secret not in secrets:
            yield sm.problem((*base, "services", s_index, "check", "password_secret"),
                             f"service '{service.name}': unknown secret "
                             f"'{check.password_secret}'",
                             secret_hint(check.password_secret, secrets))


def _capacity_problems(scenario: Scenario, sm: SourceMap) -> Iterator[Problem]:
    for n_index, network in enumerate(scenario.networks):
        members = sum(
            1 for host in scenario.hosts for a in host.networks if a.name == network.name
        )
        room = 2 ** (32 - network.prefix) - 3 - RESERVED_TAIL
        if members > room:
            yield sm.problem(("networks", n_index, "prefix"),
                             f"network '{network.name}' has {members} hosts but a "
                             f"/{network.prefix} holds {room}", "use a smaller prefix")


def _placement_problems(scenario: Scenario, sm: SourceMap) -> Iterator[Problem]:
    networks = {network.name for network in scenario.networks}
    for role in ("red", "scorebot", "bastion"):
        placement = getattr(scenario, role)
        for index, name in enumerate(placement.networks or ()):
            if name not in networks:
                yield sm.problem((role, "networks", index), f"{role}: unknown network '{name}'",
                                 suggest(name, networks))


