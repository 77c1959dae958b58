"""Scenario and teams -> the concrete ranges `up` builds. Pure: no I/O, no clock.

Every team gets the same range: the same networks (each in its own subnet),
the same hosts at the same host numbers, plus rangectl's own red, scorebot and
bastion hosts. Only the subnets, names and labels differ, which is what makes
the teams' scores comparable.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from orchestrator.errors import InvalidInputError
from orchestrator.labels import BASTION, PREFIX, RED, SCOREBOT, object_labels
from orchestrator.plan.capabilities import capabilities
from orchestrator.plan.checks import planned_checks
from orchestrator.plan.injects import planned_injects
from orchestrator.plan.model import (
    HostRole,
    Plan,
    PlannedHost,
    PlannedNetwork,
    PlannedRoute,
    PlannedScoring,
    TeamRange,
)
from orchestrator.plan.subnets import SubnetAllocator, block_prefix
from orchestrator.plan.templates import (
    build_context,
    compile_once,
    secret_placeholders,
)
from orchestrator.scenario.model import Host, Placement, Scenario, Team
from orchestrator.scenario.types import NAME_HINT, is_name
from orchestrator.scenario.yaml_source import PathKey

ACCESS_NETWORK = "access"
ACCESS_PREFIX = 28
FIRST_DYNAMIC_HOST = 10
# rangectl's own hosts take the last usable addresses of each subnet they join.
OWN_HOST_OFFSETS = {BASTION: 1, SCOREBOT: 2, RED: 3}
# Teams x templates rendered per team: planning renders every template for
# every team, so a hostile scenario must not make that product unbounded. The
# flagship at 1000 teams renders about 28,000.
MAX_RENDERS = 500_000


class TemplateProblemsError(InvalidInputError):
    """Templates that do not render with a team's plan, by their place in the scenario."""

    def __init__(self, problems: list[tuple[PathKey, str]]) -> None:
        super().__init__(f"{len(problems)} template problem(s)")
        self.problems = problems


def plan_exercise(
    scenario: Scenario,
    *,
    exercise: str | None = None,
    teams: Sequence[str] | None = None,
    pool: str | None = None,
    reserved: Iterable[str] = (),
    images: Mapping[str, RunnableImage] | None = None,
) -> Plan:
    """The plan for `teams` (default: all) of `scenario`, as exercise `exercise`.

    `images` gives what each `image:` of the scenario runs as (a bundle's image,
    an archive, a reference: orchestrator/images/sources.py); without it every
    name is one of rangectl's own, `rangectl/NAME`."""
    exercise_id = exercise or scenario.name
    if not is_name(exercise_id):
        raise InvalidInputError(f"{exercise_id!r} is not a valid exercise id", NAME_HINT)
    chosen = _choose_teams(scenario, teams)
    per_team = templates_per_team(scenario)
    if len(chosen) * per_team > MAX_RENDERS:
        raise InvalidInputError(
            f"{len(chosen)} teams x {per_team} templates is {len(chosen) * per_team:,} "
            f"renders, more than the limit of {MAX_RENDERS:,}",
            "plan fewer teams at once (--teams), or use fewer inject steps, "
            "indicators and checks")
    pool_network = ipaddress.IPv4Network(pool or scenario.addressing.pool)
    allocator = SubnetAllocator(pool_network, (ipaddress.IPv4Network(r) for r in reserved))
    prefixes = [network.prefix for network in scenario.networks] + [ACCESS_PREFIX]
    block_size = block_prefix(prefixes)
    problems: list[tuple[PathKey, str]] = []
    ranges = []
    with compile_once():
        for team in chosen:
            block = allocator.allocate(block_size, f"team '{team.id}' (a /{block_size})")
            ranges.append(_team_range(scenario, exercise_id, team, block, problems))
    if problems:
        raise TemplateProblemsError(problems)
    if images:
        ranges = [_with_images(scenario, team_range, images) for team_range in ranges]
    return Plan(exercise=exercise_id, scenario=scenario.name, pool=str(pool_network),
                duration=scenario.duration, tick=scenario.tick, teams=tuple(ranges),
                scoring=_scoring(scenario))


def templates_per_team(scenario: Scenario) -> int:
    """How many templates planning renders for each team (an upper bound)."""
    injects = sum(len(inject.steps) + 1 + (len(inject.detection.indicators)
                                            if inject.detection else 0)
                  for inject in scenario.injects)
    checks = sum(4 for host in scenario.hosts for service in host.services if service.scored)
    return injects + checks


def _choose_teams(scenario: Scenario, wanted: Sequence[str] | None) -> list[Team]:
    by_id = {team.id: team for team in scenario.teams}
    if not wanted:
        return list(scenario.teams)
    chosen = []
    for team_id in wanted:
        if team_id not in by_id:
            close = difflib.get_close_matches(team_id, list(by_id), n=1)
            raise InvalidInputError(
                f"scenario '{scenario.name}' has no team '{team_id}'",
                f"did you mean '{close[0]}'?" if close else "teams: " + ", ".join(by_id),
            )
        if by_id[team_id] not in chosen:
            chosen.append(by_id[team_id])
    return chosen


def _team_range(
    scenario: Scenario,
    exercise: str,
    team: Team,
    block: ipaddress.IPv4Network,
    problems: list[tuple[PathKey, str]],
) -> TeamRange:
    allocator = SubnetAllocator(block)
    # Largest first keeps every subnet aligned inside the block.
    order = sorted(scenario.networks, key=lambda net: net.prefix)
    subnets = {net.name: allocator.allocate(net.prefix, f"network '{net.name}'") for net in order}
    access = allocator.allocate(ACCESS_PREFIX, "the bastion's access network")
    prefix = f"{PREFIX}-{exercise}-{team.id}"
    networks = [
        PlannedNetwork(name=net.name, docker_name=f"{prefix}-{net.name}",
                       subnet=str(subnets[net.name]), gateway=str(subnets[net.name][1]),
                       internal=True, purpose="range",
                       labels=object_labels(exercise, team.id, network=net.name, block=str(block)))
        for net in scenario.networks
    ]
    networks.append(PlannedNetwork(
        name=ACCESS_NETWORK, docker_name=f"{prefix}-{ACCESS_NETWORK}", subnet=str(access),
        gateway=str(access[1]), internal=False, purpose="access",
        labels=object_labels(exercise, team.id, network=ACCESS_NETWORK, block=str(block))))
    hosts = _range_hosts(scenario, exercise, team, subnets, prefix)
    hosts += _own_hosts(scenario, exercise, team, subnets, access, prefix)
    hosts = _with_routing(scenario, hosts, subnets)
    team_view = {"id": team.id, "name": team.name, "site": team.site, "timezone": team.timezone}
    context = build_context(exercise, team_view, hosts, networks,
                            secret_placeholders([s.name for s in scenario.secrets]))
    return TeamRange(
        team=team.id, name=team.name, site=team.site, timezone=team.timezone, block=str(block),
        networks=tuple(networks), hosts=tuple(hosts),
        injects=planned_injects(scenario, context, problems),
        checks=planned_checks(scenario, hosts, context, problems),
    )


def _range_hosts(
    scenario: Scenario, exercise: str, team: Team,
    subnets: dict[str, ipaddress.IPv4Network], prefix: str,
) -> list[PlannedHost]:
    taken: dict[str, set[int]] = {name: set() for name in subnets}
    for host in scenario.hosts:
        for attachment in host.networks:
            if attachment.host is not None:
                taken[attachment.name].add(attachment.host)
    next_free = dict.fromkeys(subnets, FIRST_DYNAMIC_HOST)
    planned = []
    for host in scenario.hosts:
        addresses = {}
        for attachment in host.networks:
            number = attachment.host
            if number is None:
                number = next_free[attachment.name]
                while number in taken[attachment.name]:
                    number += 1
                taken[attachment.name].add(number)
                next_free[attachment.name] = number + 1
            addresses[attachment.name] = str(subnets[attachment.name][number])
        planned.append(_planned_host(host.name, "range", host.image, exercise, team, prefix,
                                     addresses, host))
    return planned


def _own_hosts(
    scenario: Scenario, exercise: str, team: Team,
    subnets: dict[str, ipaddress.IPv4Network], access: ipaddress.IPv4Network, prefix: str,
) -> list[PlannedHost]:
    own = []
    roles: tuple[HostRole, ...] = (RED, SCOREBOT, BASTION)
    for role in roles:
        placement: Placement = getattr(scenario, role)
        names = placement.networks or tuple(net.name for net in scenario.networks)
        addresses = {
            name: str(subnets[name][-1 - OWN_HOST_OFFSETS[role]]) for name in names
        }
        if role == BASTION:
            addresses[ACCESS_NETWORK] = str(access[-2])
        own.append(_planned_host(role, role, role, exercise, team, prefix, addresses, None))
    return own


def _with_routing(
    scenario: Scenario, hosts: list[PlannedHost], subnets: dict[str, ipaddress.IPv4Network]
) -> list[PlannedHost]:
    """Routers forward; every other host reaches the networks it is not on through them."""
    by_name = {host.name: host for host in hosts}
    routers = {net.name: by_name[net.router] for net in scenario.networks if net.router}
    routed = []
    for host in hosts:
        routes = []
        for network, router in routers.items():
            if network in host.addresses or router.name == host.name:
                continue
            shared = next((name for name in host.addresses if name in router.addresses), None)
            if shared is not None:
                routes.append(PlannedRoute(subnet=str(subnets[network]),
                                           via=router.addresses[shared]))
        sysctls = {"net.ipv4.ip_forward": "1"} if host.name in {
            r.name for r in routers.values()} else {}
        routed.append(host.model_copy(update={"routes": tuple(routes), "sysctls": sysctls}))
    return routed


def _planned_host(
    name: str, role: HostRole, image: str, exercise: str, team: Team, prefix: str,
    addresses: dict[str, str], host: Host | None,
) -> PlannedHost:
    resources = host.resources if host else None
    return PlannedHost(
        name=name, role=role, container_name=f"{prefix}-{name}", hostname=name,
        image=f"rangectl/{image}", addresses=addresses,
        aliases=host.aliases if host else (),
        capabilities=capabilities(role, host),
        # Trainees sudo on range hosts, which no-new-privileges would forbid; rangectl's
        # own hosts run nothing set-id. Red and the scorebot keep nothing on disk.
        no_new_privileges=role != "range",
        read_only=role in (RED, SCOREBOT),
        memory_bytes=resources.memory if resources else 256 * 1024 * 1024,
        cpus=resources.cpus if resources else 0.5,
        pids=resources.pids if resources else 256,
        labels=object_labels(exercise, team.id, host=name, role=role),
    )


class RunnableImage(Protocol):
    """What the plan needs of an image: the repository Docker runs, and whether
    rangectl built it (so Ansible can configure the host)."""

    @property
    def repository(self) -> str: ...

    @property
    def managed(self) -> bool: ...


def _with_images(scenario: Scenario, team: TeamRange,
                 images: Mapping[str, RunnableImage]) -> TeamRange:
    hosts = []
    for host in team.hosts:
        entry = scenario.host(host.name) if host.role == "range" else None
        image = images.get(entry.image) if entry else None
        hosts.append(host if image is None else host.model_copy(
            update={"image": image.repository, "managed": image.managed}))
    return team.model_copy(update={"hosts": tuple(hosts)})


def _scoring(scenario: Scenario) -> PlannedScoring:
    rules = scenario.scoring
    return PlannedScoring(
        weights=rules.weights.model_dump(), points_per_check=rules.availability.points_per_check,
        degraded_factor=rules.availability.degraded_factor,
        penalties={penalty.rule: penalty.points for penalty in rules.penalties})


