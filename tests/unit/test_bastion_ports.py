"""Which port each team's bastion is published on, chosen by `up` without an engine.

A trainee's kit names the port, so a second `up` must keep it; two teams (or
two exercises) must never share one; and a port is free only if it can be
bound on the address the bastions are published on.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrator.bastion_ports import BASTION_PORTS, bastion_ports, free_port
from orchestrator.cli.common import load
from orchestrator.errors import RuntimeFailureError
from orchestrator.plan import Plan, plan_loaded
from orchestrator.state import ExerciseRecord, ExerciseState
from tests.conftest import SCENARIOS

LOOPBACK = "127.0.0.1"


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RANGECTL_STATE_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture(scope="module")
def plan() -> Plan:
    return plan_loaded(load(SCENARIOS / "quickstart.yml"))


def record(exercise: str, ports: dict[str, int], bind: str = LOOPBACK) -> ExerciseRecord:
    return ExerciseRecord(exercise=exercise, scenario_name="quickstart", scenario_path="-",
                          teams=tuple(ports), bind_address=bind, bastion_ports=ports)


@pytest.fixture
def held() -> Iterator[int]:
    """A port of the bastion range that something else holds on loopback."""
    for port in BASTION_PORTS:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
            try:
                holder.bind((LOOPBACK, port))
            except OSError:
                continue
            holder.listen()
            yield port
            return
    pytest.skip("every bastion port is busy on this machine")


def test_each_team_gets_its_own_port_in_the_range(plan: Plan) -> None:
    ports = bastion_ports(plan, None, LOOPBACK)
    assert sorted(ports) == sorted(team.team for team in plan.teams)
    assert len(set(ports.values())) == len(ports)
    assert all(port in BASTION_PORTS for port in ports.values())


def test_a_second_up_keeps_the_ports_even_while_bastions_hold_them(plan: Plan,
                                                                   held: int) -> None:
    """On a re-up the running bastions hold their ports: kept, not probed again."""
    kept = {team.team: held + index for index, team in enumerate(plan.teams)}
    assert bastion_ports(plan, record(plan.exercise, kept), LOOPBACK) == kept


def test_a_team_added_later_gets_a_port_no_other_team_has(plan: Plan) -> None:
    first, *others = [team.team for team in plan.teams]
    kept = bastion_ports(plan, None, LOOPBACK)
    ports = bastion_ports(plan, record(plan.exercise, {first: kept[first]}), LOOPBACK)
    assert ports[first] == kept[first]
    assert all(ports[other] != kept[first] for other in others)


def test_a_new_bind_address_picks_ports_afresh(plan: Plan) -> None:
    old = {team.team: 1 for team in plan.teams}  # a port no bastion range holds
    ports = bastion_ports(plan, record(plan.exercise, old, bind="127.0.0.2"), LOOPBACK)
    assert all(port in BASTION_PORTS for port in ports.values())


def test_ports_of_other_exercises_are_not_reused(plan: Plan) -> None:
    claimed = {f"t{port}": port for port in range(BASTION_PORTS.start, BASTION_PORTS.start + 500)}
    ExerciseState("other").save_record(record("other", claimed))
    ports = bastion_ports(plan, None, LOOPBACK)
    assert not set(ports.values()) & set(claimed.values())


def test_a_port_busy_on_the_bind_address_is_skipped(held: int) -> None:
    port = free_port(LOOPBACK, set())
    assert port != held
    assert port in BASTION_PORTS


def test_no_free_port_names_the_range() -> None:
    with pytest.raises(RuntimeFailureError, match=r"no free port for a bastion on 127\.0\.0\.1 "
                                                  r"in 22000-22999"):
        free_port(LOOPBACK, set(BASTION_PORTS))
