"""Where the Swarm backend puts each team's range, decided without a swarm.

Placement is pure: the node list (as the manager's API gives it) and the plan
in, a node per team out, or a refusal that names the site and the command to
label a node, before anything is created.
"""

from __future__ import annotations

import ipaddress
import shlex
from typing import Any

import pytest

from orchestrator import labels as label
from orchestrator.cli.common import load
from orchestrator.errors import InvalidInputError, RuntimeFailureError
from orchestrator.plan import Plan, plan_loaded
from orchestrator.runtime.docker.firewall import isolation_rules, isolation_script
from orchestrator.runtime.open import is_swarm_manager, open_backend
from orchestrator.runtime.swarm.addressing import dynamic_range
from orchestrator.runtime.swarm.nodes import (
    SwarmNode,
    place,
    read_nodes,
    site_list,
    teams_by_node,
)
from tests.conftest import SCENARIOS


@pytest.fixture(scope="module")
def plan() -> Plan:  # teams ottawa (site ottawa) and tallinn (site tallinn)
    return plan_loaded(load(SCENARIOS / "quickstart.yml"), exercise="placement-test")


def node(name: str, sites: str, *, local: bool = False, state: str = "ready",
         availability: str = "active", engine: str | None = "tcp://node:2375") -> SwarmNode:
    return SwarmNode(id=f"id-{name}", hostname=name, role="manager" if local else "worker",
                     state=state, availability=availability, address="192.0.2.9",
                     sites=site_list(sites), engine_url=None if local else engine, cpus=2.0,
                     memory_bytes=1 << 30, local=local)


def test_each_team_lands_on_a_node_of_its_own_site(plan: Plan) -> None:
    placed = place(plan, [node("ott-1", "ottawa", local=True), node("tal-1", "tallinn")])
    assert {team: n.hostname for team, n in placed.items()} == {
        "ottawa": "ott-1", "tallinn": "tal-1"}


def test_one_node_can_stand_in_for_both_sites(plan: Plan) -> None:
    placed = place(plan, [node("vm", "ottawa, tallinn", local=True)])
    assert {n.hostname for n in placed.values()} == {"vm"}


def test_a_site_without_a_node_is_refused_naming_it_and_the_label_command(plan: Plan) -> None:
    with pytest.raises(RuntimeFailureError) as refused:
        place(plan, [node("ott-1", "ottawa", local=True)])
    assert "'tallinn'" in refused.value.message
    assert "teams tallinn" in refused.value.message
    assert "docker node update --label-add rangectl.site=tallinn NODE" in str(refused.value.hint)


def test_nodes_that_are_down_drained_or_unreachable_hold_no_team(plan: Plan) -> None:
    nodes = [node("ott-1", "ottawa", local=True), node("tal-down", "tallinn", state="down"),
             node("tal-drain", "tallinn", availability="drain")]
    with pytest.raises(RuntimeFailureError, match="'tallinn'"):
        place(plan, nodes)
    with pytest.raises(RuntimeFailureError) as refused:
        place(plan, [node("ott-1", "ottawa", local=True), node("tal-1", "tallinn", engine=None)])
    assert "how the controller reaches their engine" in refused.value.message
    assert "rangectl.engine=" in str(refused.value.hint)


def test_teams_spread_over_a_site_and_keep_their_node_on_a_second_up(plan: Plan) -> None:
    both = [node("a", "ottawa,tallinn", local=True), node("b", "ottawa,tallinn")]
    first = place(plan, both)
    assert {n.hostname for n in first.values()} == {"a", "b"}  # least loaded first
    kept = {"ottawa": "id-b", "tallinn": "id-b"}
    assert {n.hostname for n in place(plan, both, kept).values()} == {"b"}
    gone = place(plan, [both[0]], kept)  # its node left the swarm: placed again
    assert {n.hostname for n in gone.values()} == {"a"}


class NodesApi:
    """What a manager's engine answers to `info` and `nodes` (trimmed)."""

    def info(self) -> dict[str, Any]:
        return {"Swarm": {"NodeID": "m1", "LocalNodeState": "active", "ControlAvailable": True}}

    def nodes(self) -> list[dict[str, Any]]:
        return [
            {"ID": "w1", "Spec": {"Role": "worker", "Availability": "active",
                                  "Labels": {label.SITE: "tallinn",
                                             label.ENGINE: "ssh://ops@tallinn-1"}},
             "Description": {"Hostname": "tallinn-1",
                             "Resources": {"NanoCPUs": 4_000_000_000, "MemoryBytes": 8 << 30}},
             "Status": {"State": "ready", "Addr": "198.51.100.7"}},
            {"ID": "m1", "Spec": {"Role": "manager", "Availability": "active", "Labels": {}},
             "Description": {"Hostname": "ottawa-1", "Resources": {}},
             "Status": {"State": "ready", "Addr": "192.0.2.2"}},
        ]


def test_nodes_are_read_from_the_managers_api() -> None:
    nodes = read_nodes(NodesApi())
    assert [n.hostname for n in nodes] == ["ottawa-1", "tallinn-1"]
    manager, worker = nodes
    assert manager.local
    assert manager.sites == ()
    assert manager.usable
    assert not worker.local
    assert worker.sites == ("tallinn",)
    assert worker.engine_url == "ssh://ops@tallinn-1"
    assert (worker.cpus, worker.memory_bytes) == (4.0, 8 << 30)
    assert is_swarm_manager(NodesApi())


def test_teams_are_counted_per_node_from_container_labels() -> None:
    containers = [{label.NODE: "w1", label.EXERCISE: "x", label.TEAM: "tallinn"},
                  {label.NODE: "w1", label.EXERCISE: "x", label.TEAM: "tallinn"},
                  {label.NODE: "m1", label.EXERCISE: "x", label.TEAM: "ottawa"},
                  {label.EXERCISE: "y", label.TEAM: "local-only"}]
    assert teams_by_node(containers) == {"w1": {"x": {"tallinn"}}, "m1": {"x": {"ottawa"}}}


def test_a_nodes_firewall_script_holds_every_rule_the_local_backend_installs() -> None:
    script = isolation_script().splitlines()
    for chain in isolation_rules():
        for rule in chain.rules:
            assert f"{chain.tool} -w -A {chain.chain} {shlex.join(rule)}" in script
        jump = f"{chain.tool} -w -I {chain.parent} 1 -j {chain.chain}"
        assert any(line.endswith(jump) for line in script)
    assert script[0] == "set -eu"


def test_an_unknown_backend_name_is_refused_before_any_engine_is_asked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RANGECTL_BACKEND", "kubernetes")
    with pytest.raises(InvalidInputError, match="not a backend"):
        open_backend()


def test_the_engines_own_addresses_go_where_the_plan_puts_no_host(plan: Plan) -> None:
    for team in plan.teams:
        for network in team.networks:
            taken = [network.gateway, *(h.addresses[network.name] for h in team.hosts
                                        if network.name in h.addresses)]
            block = dynamic_range(network.subnet, taken)
            assert block is not None
            assert not any(ipaddress.ip_address(a) in ipaddress.ip_network(block) for a in taken)
            assert ipaddress.IPv4Network(block).subnet_of(ipaddress.IPv4Network(network.subnet))


def test_a_router_on_dot_two_is_left_alone_and_a_full_subnet_has_no_range() -> None:
    assert dynamic_range("10.0.0.0/24", ["10.0.0.1", "10.0.0.2", "10.0.0.10"]) == "10.0.0.16/29"
    assert dynamic_range("10.0.0.0/30", ["10.0.0.1"]) == "10.0.0.2/32"
    assert dynamic_range("10.0.0.0/30", ["10.0.0.1", "10.0.0.2"]) is None
