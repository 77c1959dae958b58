"""`ensure_host`'s config hash, and what `up` does with it, against a recording API.

The hash in the `rangectl.config` label is what makes a second `up` leave an
unchanged container alone and recreate a changed one: it must be the same for
the same plan, and differ for any change a container cannot take in place.
"""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.cli.common import load
from orchestrator.labels import CONFIG as CONFIG_LABEL
from orchestrator.plan import Plan, plan_loaded
from orchestrator.plan.model import PlannedHost, TeamRange
from orchestrator.runtime.backend import PublishedPort
from orchestrator.runtime.docker.hosts import config_hash, ensure_host
from tests.conftest import SCENARIOS

QUICKSTART = SCENARIOS / "quickstart.yml"
IMAGE = "sha256:web"
PORT = PublishedPort("127.0.0.1", 22000)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return plan_loaded(load(QUICKSTART))


@pytest.fixture(scope="module")
def team(plan: Plan) -> TeamRange:
    return plan.teams[0]


def host_named(team: TeamRange, name: str) -> PlannedHost:
    (found,) = [host for host in team.hosts if host.name == name]
    return found


def test_the_same_plan_gives_the_same_hashes(plan: Plan) -> None:
    again = plan_loaded(load(QUICKSTART))
    for first, second in zip(plan.teams, again.teams, strict=True):
        for a, b in zip(first.hosts, second.hosts, strict=True):
            assert config_hash(a, IMAGE, None) == config_hash(b, IMAGE, None)


def test_hosts_and_teams_hash_apart(plan: Plan) -> None:
    hashes = [config_hash(host, IMAGE, None) for team in plan.teams for host in team.hosts]
    assert len(set(hashes)) == len(hashes)


CHANGES: dict[str, dict[str, Any]] = {
    "image": {"image": "rangectl/dns:latest"},
    "capability": {"capabilities": ("NET_ADMIN", "SYS_PTRACE")},
    "memory limit": {"memory_bytes": 1},
    "cpu limit": {"cpus": 0.25},
    "process limit": {"pids": 7},
    "network": {"addresses": {"lan": "10.99.0.99"}},
    "read-only flag": {"read_only": True},
    "no-new-privileges": {"no_new_privileges": True},  # a range host runs without it
    "sysctl": {"sysctls": {"net.ipv4.ip_forward": "1"}},
    "alias": {"aliases": ("portal",)},
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_change_of_the_host_changes_the_hash(team: TeamRange, change: str) -> None:
    host = host_named(team, "web")
    changed = host.model_copy(update=CHANGES[change])
    assert config_hash(changed, IMAGE, PORT) != config_hash(host, IMAGE, PORT)


def test_a_new_image_build_or_published_port_changes_the_hash(team: TeamRange) -> None:
    host = host_named(team, "web")
    wanted = config_hash(host, IMAGE, PORT)
    assert config_hash(host, IMAGE, PORT) == wanted
    assert config_hash(host, "sha256:rebuilt", PORT) != wanted
    assert config_hash(host, IMAGE, PublishedPort("127.0.0.1", 22001)) != wanted
    assert config_hash(host, IMAGE, PublishedPort("0.0.0.0", 22000)) != wanted
    assert config_hash(host, IMAGE, None) != wanted


class RecordingApi:
    """The few Docker API calls `ensure_host` makes, recorded, none carried out."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def create_host_config(self, **options: Any) -> dict[str, Any]:
        return options

    def create_networking_config(self, endpoints: dict[str, Any]) -> dict[str, Any]:
        return endpoints

    def create_endpoint_config(self, **options: Any) -> dict[str, Any]:
        return options

    def create_container(self, **options: Any) -> dict[str, str]:
        self.calls.append(("create", options["labels"][CONFIG_LABEL]))
        return {"Id": "new"}

    def connect_container_to_network(self, container: str, network: str, **_: Any) -> None:
        self.calls.append(("connect", network))

    def start(self, container: str) -> None:
        self.calls.append(("start", container))

    def remove_container(self, container: str, **_: Any) -> None:
        self.calls.append(("remove", container))


def existing(team: TeamRange, host: PlannedHost, label: str, state: str,
             networks: list[str] | None = None) -> dict[str, Any]:
    docker_names = {net.name: net.docker_name for net in team.networks}
    attached = networks if networks is not None else [docker_names[n] for n in host.addresses]
    return {host.container_name: {"Id": "old", "State": state, "Labels": {CONFIG_LABEL: label},
                                  "NetworkSettings": {"Networks": {key: {} for key in attached}}}}


def test_up_leaves_alone_starts_or_recreates_by_the_hash(team: TeamRange) -> None:
    host = host_named(team, "web")
    wanted = config_hash(host, IMAGE, None)
    cases = [
        (existing(team, host, wanted, "running"), "unchanged", []),
        (existing(team, host, wanted, "exited"), "started", [("start", "old")]),
        (existing(team, host, "stale", "running"), "recreated",
         [("remove", "old"), ("create", wanted), ("start", "new")]),
        (existing(team, host, wanted, "running", networks=[]), "recreated",
         [("remove", "old"), ("create", wanted), ("start", "new")]),  # half-connected
        ({}, "created", [("create", wanted), ("start", "new")]),
    ]
    for found, action, calls in cases:
        api = RecordingApi()
        assert ensure_host(api, team, host, IMAGE, None, found, {}) == action
        assert api.calls == calls
