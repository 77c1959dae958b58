"""The planner: deterministic, disjoint subnets, identical ranges per team."""

from __future__ import annotations

import ipaddress
import itertools
from typing import Any

import pytest

from orchestrator.cli.common import load
from orchestrator.errors import InvalidInputError
from orchestrator.plan import plan_loaded
from orchestrator.plan.planner import plan_exercise
from orchestrator.plan.subnets import PoolExhaustedError
from orchestrator.scenario.model import Scenario
from tests.conftest import SCENARIOS

FLAGSHIP = SCENARIOS / "arctic-sentinel.yml"


def all_subnets(plan_json: dict[str, Any]) -> list[ipaddress.IPv4Network]:
    return [ipaddress.IPv4Network(net["subnet"])
            for team in plan_json["teams"] for net in team["networks"]]


def synthetic(teams: int, networks: int, hosts_per_network: int = 1) -> Scenario:
    return Scenario.model_validate({
        "version": 1, "name": "synthetic", "duration": "1h",
        "teams": [{"id": f"t{i}", "name": f"Team {i}", "site": "lab", "timezone": "UTC"}
                  for i in range(teams)],
        "networks": [{"name": f"n{i}"} for i in range(networks)],
        "hosts": [{"name": f"h{i}-{j}", "networks": [f"n{i}"]}
                  for i in range(networks) for j in range(hosts_per_network)],
    })


def test_plan_is_deterministic() -> None:
    loaded = load(FLAGSHIP)
    first = plan_loaded(loaded).model_dump_json()
    second = plan_loaded(load(FLAGSHIP)).model_dump_json()
    assert first == second


def test_teams_get_disjoint_subnets_and_identical_ranges() -> None:
    plan = plan_loaded(load(FLAGSHIP))
    ottawa, tallinn = plan.teams
    subnets = all_subnets(plan.model_dump())
    for a, b in itertools.combinations(subnets, 2):
        assert not a.overlaps(b), (a, b)
    # Same hosts at the same host numbers: only the subnets differ.
    for host_o, host_t in zip(ottawa.hosts, tallinn.hosts, strict=True):
        assert host_o.name == host_t.name
        assert host_o.image == host_t.image
        for net in host_o.addresses:
            net_o = ipaddress.IPv4Network(next(n.subnet for n in ottawa.networks if n.name == net))
            net_t = ipaddress.IPv4Network(next(n.subnet for n in tallinn.networks
                                               if n.name == net))
            offset_o = int(ipaddress.IPv4Address(host_o.addresses[net])) - int(net_o[0])
            offset_t = int(ipaddress.IPv4Address(host_t.addresses[net])) - int(net_t[0])
            assert offset_o == offset_t
    assert [i.name for i in ottawa.injects] == [i.name for i in tallinn.injects]
    assert [i.offset for i in ottawa.injects] == [i.offset for i in tallinn.injects]


def test_every_address_lies_in_its_network_and_is_unique() -> None:
    plan = plan_loaded(load(FLAGSHIP))
    for team in plan.teams:
        subnets = {net.name: ipaddress.IPv4Network(net.subnet) for net in team.networks}
        seen = set()
        for host in team.hosts:
            for net, address in host.addresses.items():
                ip = ipaddress.IPv4Address(address)
                assert ip in subnets[net]
                assert ip not in (subnets[net].network_address, subnets[net].broadcast_address)
                assert str(ip) != next(n.gateway for n in team.networks if n.name == net)
                assert ip not in seen
                seen.add(ip)


def test_range_networks_are_internal_and_only_the_access_network_is_not() -> None:
    plan = plan_loaded(load(FLAGSHIP))
    for team in plan.teams:
        external = [net for net in team.networks if not net.internal]
        assert [net.purpose for net in external] == ["access"]
        bastion = team.host("bastion")
        assert "access" in bastion.addresses
        assert all("access" not in host.addresses for host in team.hosts if host.name != "bastion")


def test_labels_name_exercise_team_host_and_role() -> None:
    plan = plan_loaded(load(FLAGSHIP), exercise="drill-1")
    team = plan.team("tallinn")
    red = team.host("red")
    assert red.labels == {"rangectl.exercise": "drill-1", "rangectl.team": "tallinn",
                          "rangectl.host": "red", "rangectl.role": "red"}
    assert red.container_name == "rangectl-drill-1-tallinn-red"
    assert all(net.labels["rangectl.exercise"] == "drill-1" for net in team.networks)


def test_templates_render_per_team_without_real_secrets() -> None:
    plan = plan_loaded(load(FLAGSHIP))
    for team in plan.teams:
        inject = next(i for i in team.injects if i.name == "credentials-exfiltration")
        workstation = team.host("workstation").addresses["internal"]
        assert f"operator@{workstation}" in inject.steps[0].run
        assert "<secret:operator_password>" in inject.steps[0].run
        dns = next(c for c in team.checks if c.service == "dns")
        assert dns.check["expect"] == team.host("portal").addresses["dmz"]


def test_injects_are_ordered_by_offset_with_after_chains_resolved() -> None:
    plan = plan_loaded(load(FLAGSHIP))
    offsets = {i.name: i.offset for i in plan.teams[0].injects}
    assert offsets["portal-web-shell"] == offsets["portal-command-injection"] + 600
    assert [i.offset for i in plan.teams[0].injects] == sorted(offsets.values())


def test_team_selection_and_unknown_team() -> None:
    loaded = load(FLAGSHIP)
    plan = plan_loaded(loaded, teams=["tallinn"])
    assert [t.team for t in plan.teams] == ["tallinn"]
    with pytest.raises(InvalidInputError, match="no team 'otawa'") as caught:
        plan_loaded(loaded, teams=["otawa"])
    assert caught.value.hint == "did you mean 'ottawa'?"


def test_reserved_subnets_are_avoided() -> None:
    loaded = load(FLAGSHIP)
    taken = [net.subnet for team in plan_loaded(loaded).teams for net in team.networks]
    other = plan_loaded(loaded, exercise="second", reserved=taken)
    for net in (n for team in other.teams for n in team.networks):
        assert not any(ipaddress.IPv4Network(net.subnet).overlaps(ipaddress.IPv4Network(t))
                       for t in taken)


def test_scales_to_24_teams_of_10_networks() -> None:
    plan = plan_exercise(synthetic(24, 10))
    subnets = all_subnets(plan.model_dump())
    assert len(subnets) == 24 * 11
    ordered = sorted(subnets)
    for a, b in itertools.pairwise(ordered):
        assert not a.overlaps(b)
    pool = ipaddress.IPv4Network(plan.pool)
    assert all(subnet.subnet_of(pool) for subnet in subnets)


def test_exhausted_pool_says_what_to_do() -> None:
    with pytest.raises(PoolExhaustedError, match="no room left") as caught:
        plan_exercise(synthetic(24, 10), pool="10.9.0.0/20")
    assert "--pool" in (caught.value.hint or "")


def test_bad_exercise_id() -> None:
    with pytest.raises(InvalidInputError, match="not a valid exercise id"):
        plan_exercise(synthetic(1, 1), exercise="Bad_Id")
