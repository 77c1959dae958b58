"""Range isolation, proved against the real engine (the safety rules).

- a team's hosts reach exactly what the scenario's networks allow;
- nothing of one team reaches another team's hosts;
- nothing in a range reaches the controller machine or anything outside it;
- the bastion is the only thing published, on 127.0.0.1.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from orchestrator.runtime.docker.backend import DockerBackend
from orchestrator.state import ExerciseState
from tests.integration.conftest import (
    deployed,
    host_addresses,
    probe,
    unique_exercise,
    wait_for_port,
)

pytestmark = pytest.mark.docker

SCENARIO = """
version: 1
name: isolation
duration: 10m
teams:
  - {id: ottawa, name: Ottawa, site: ottawa, timezone: America/Toronto}
  - {id: tallinn, name: Tallinn, site: tallinn, timezone: Europe/Tallinn}
networks:
  - {name: front, prefix: 27}
  - {name: back, prefix: 27}
hosts:
  - {name: x, networks: [front], aliases: [www]}
  - {name: y, networks: [back]}
  - {name: z, networks: [front, back]}
red: {networks: [front]}
"""
OUTSIDE_NS = "rxtest-outside"
OUTSIDE_ADDRESS = "198.18.255.2"
OUTSIDE_PORT = 8089
ACCEPT_LOOP = """
import socket, sys
server = socket.socket()
server.bind((sys.argv[1], int(sys.argv[2])))
server.listen(64)
while True:
    server.accept()[0].close()
"""


@pytest.fixture(scope="module")
def exercise(backend: DockerBackend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("isolation") / "isolation.yml"
    path.write_text(SCENARIO, encoding="utf-8")
    yield from deployed(backend, path, unique_exercise("isolation"))


@pytest.fixture(scope="module")
def plan(exercise: str) -> dict[str, dict[str, dict[str, str]]]:
    """team -> host -> network -> address, from the recorded plan."""
    stored = ExerciseState(exercise).load_plan()
    assert stored is not None
    return {t.team: {h.name: dict(h.addresses) for h in t.hosts} for t in stored.teams}


@pytest.fixture(scope="module", autouse=True)
def sshd_ready(backend: DockerBackend, exercise: str,
               plan: dict[str, dict[str, dict[str, str]]]) -> None:
    """Every sshd listens (it makes its host keys on first start); red and the scorebot
    run none (nobody logs into them), the range hosts and the bastion do, on every
    network, so each network still has a listener to prove unreachable."""
    for team, hosts in plan.items():
        for host in hosts:
            if host not in ("red", "scorebot"):
                wait_for_port(backend, exercise, team, host, 22)


@pytest.fixture(scope="module")
def controller_listener() -> Iterator[int]:
    """A TCP service on every address of the controller machine."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", 0))
    server.listen(64)
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = server.accept()
                connection.close()
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def outside_service() -> Iterator[tuple[str, int]]:
    """A stand-in for 'outside the machine': a server in a network namespace of our own,
    routed from the host (198.18.0.0/15 is reserved for such tests)."""
    subprocess.run(["ip", "netns", "del", OUTSIDE_NS], capture_output=True, check=False)
    subprocess.run(["ip", "link", "del", "rxt-host"], capture_output=True, check=False)
    server = None
    try:
        _ip("netns", "add", OUTSIDE_NS)
        _ip("link", "add", "rxt-host", "type", "veth", "peer", "name", "rxt-out")
        _ip("link", "set", "rxt-out", "netns", OUTSIDE_NS)
        _ip("addr", "add", "198.18.255.1/30", "dev", "rxt-host")
        _ip("link", "set", "rxt-host", "up")
        _ip("-n", OUTSIDE_NS, "addr", "add", f"{OUTSIDE_ADDRESS}/30", "dev", "rxt-out")
        _ip("-n", OUTSIDE_NS, "link", "set", "rxt-out", "up")
        _ip("-n", OUTSIDE_NS, "link", "set", "lo", "up")
        _ip("-n", OUTSIDE_NS, "route", "add", "default", "via", "198.18.255.1")
        server = subprocess.Popen(
            ["ip", "netns", "exec", OUTSIDE_NS, sys.executable, "-c", ACCEPT_LOOP,
             OUTSIDE_ADDRESS, str(OUTSIDE_PORT)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            with socket.socket() as client:
                client.settimeout(0.2)
                if client.connect_ex((OUTSIDE_ADDRESS, OUTSIDE_PORT)) == 0:
                    break
            time.sleep(0.1)
        yield OUTSIDE_ADDRESS, OUTSIDE_PORT
    finally:
        if server is not None:
            server.kill()
            server.wait()
        subprocess.run(["ip", "netns", "del", OUTSIDE_NS], capture_output=True, check=False)
        subprocess.run(["ip", "link", "del", "rxt-host"], capture_output=True, check=False)


def test_hosts_resolve_each_other_by_name_and_alias(backend: DockerBackend, exercise: str,
                                                    plan: dict[str, dict[str, dict[str, str]]]
                                                    ) -> None:
    result = backend.exec(exercise, "ottawa", "z", ["getent", "hosts", "x", "www", "y", "red"])
    assert result.exit_code == 0, result.output
    ottawa = plan["ottawa"]
    assert f"{ottawa['x']['front']}" in result.output
    assert f"{ottawa['y']['back']}" in result.output
    assert f"{ottawa['red']['front']}" in result.output
    assert "www" in result.output


def test_hosts_reach_exactly_what_their_networks_allow(
    backend: DockerBackend, exercise: str, plan: dict[str, dict[str, dict[str, str]]]
) -> None:
    ottawa = plan["ottawa"]
    x, y, z = ottawa["x"]["front"], ottawa["y"]["back"], ottawa["z"]
    # sshd listens on every range host
    assert probe(backend, exercise, "ottawa", "z", [(x, 22), (y, 22)]) == [True, True]
    assert probe(backend, exercise, "ottawa", "x", [(z["front"], 22), (y, 22)]) == [True, False]
    assert probe(backend, exercise, "ottawa", "y", [(z["back"], 22), (x, 22)]) == [True, False]
    assert probe(backend, exercise, "ottawa", "red", [(x, 22), (y, 22)]) == [True, False]


def test_no_host_of_one_team_reaches_the_other_team(
    backend: DockerBackend, exercise: str, plan: dict[str, dict[str, dict[str, str]]]
) -> None:
    tallinn_targets = [(address, 22) for host in plan["tallinn"].values()
                       for address in host.values()]
    for host in plan["ottawa"]:
        reached = probe(backend, exercise, "ottawa", host, tallinn_targets)
        assert not any(reached), f"ottawa/{host} reached tallinn: {reached}"


def test_no_host_reaches_the_controller_machine(
    backend: DockerBackend, exercise: str, controller_listener: int
) -> None:
    targets = [(address, controller_listener) for address in host_addresses()
               if not address.startswith("127.")]
    assert targets
    for address, port in targets:  # the service is there: the machine itself reaches it
        with socket.create_connection((address, port), timeout=2):
            pass
    for host in ("x", "y", "z", "red", "scorebot", "bastion"):
        reached = probe(backend, exercise, "ottawa", host, targets)
        assert not any(reached), f"ottawa/{host} reached the controller: {reached}"


def test_nothing_reaches_outside_the_machine(
    backend: DockerBackend, exercise: str, outside_service: tuple[str, int]
) -> None:
    with socket.create_connection(outside_service, timeout=2):
        pass  # reachable from the controller, so a failure below is the range's isolation
    for host in ("x", "z", "red", "scorebot", "bastion"):
        assert probe(backend, exercise, "tallinn", host, [outside_service]) == [False], host
    routes = backend.exec(exercise, "ottawa", "x", ["ip", "route", "get", "198.18.255.2"])
    assert "rxr" not in routes.output  # routed, if at all, only into the firewalled gateway


def test_bastion_is_the_only_published_port_and_only_on_loopback(
    backend: DockerBackend, exercise: str
) -> None:
    record = ExerciseState(exercise).load_record()
    containers = backend.api.containers(filters={"label": [f"rangectl.exercise={exercise}"]})
    published = [(c["Labels"]["rangectl.role"], p) for c in containers for p in c["Ports"]
                 if p.get("PublicPort")]
    assert {role for role, _ in published} == {"bastion"}
    assert {p["IP"] for _, p in published} == {"127.0.0.1"}
    assert sorted(p["PublicPort"] for _, p in published) == sorted(record.bastion_ports.values())
    port = record.bastion_ports["ottawa"]
    with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
        client.settimeout(5)
        assert client.recv(64).startswith(b"SSH-2.0-")
    for address in host_addresses():
        if address.startswith("127."):
            continue
        with socket.socket() as client:
            client.settimeout(1)
            assert client.connect_ex((address, port)) != 0, address


def test_range_networks_are_internal_and_the_access_network_has_no_nat(
    backend: DockerBackend, exercise: str
) -> None:
    networks = backend.api.networks(filters={"label": [f"rangectl.exercise={exercise}"]})
    assert len(networks) == 6
    for network in networks:
        details = backend.api.inspect_network(network["Id"])
        access = details["Labels"]["rangectl.network"] == "access"
        assert details["Internal"] is not access
        assert details["Options"]["com.docker.network.bridge.enable_ip_masquerade"] == "false"
