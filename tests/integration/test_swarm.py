"""The quickstart on a Docker Swarm: one node standing in for both sites, then two engines.

rangectl picks the Swarm backend by itself on a manager, so every command
here is the one a controller types; the tests then look at what landed on
which engine, probe isolation from inside each range, run and score the
exercise, and check `down` leaves nothing on either engine.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from orchestrator import labels as label
from orchestrator.runtime.open import open_backend
from tests.conftest import SCENARIOS
from tests.e2e.cli import rangectl
from tests.integration import swarm_cluster as cluster
from tests.integration.conftest import probe, unique_exercise

pytestmark = [pytest.mark.docker, pytest.mark.swarm]

QUICKSTART = SCENARIOS / "quickstart.yml"
ENGINE_PORTS = (22, 2375, 2377, 7946)


@pytest.fixture(scope="module")
def manager() -> Iterator[cluster.Manager]:
    if cluster.swarm_state() != "inactive":
        pytest.fail("this machine's Docker engine is already in a swarm; the swarm tests make "
                    "and leave their own (docker swarm leave --force)")
    try:
        yield cluster.start_manager()
    finally:
        cluster.stop_manager()


def bring_up(exercise: str) -> None:
    result = rangectl("up", str(QUICKSTART), "--exercise", exercise, timeout=600)
    assert result.returncode == 0, result.stderr


def take_down(exercise: str, engines: list[str | None]) -> None:
    result = rangectl("down", "--purge", "--exercise", exercise, timeout=300)
    assert result.returncode == 0, result.stderr
    for host in engines:
        assert cluster.labelled(exercise, host) == {"container": [], "network": []}, host
        assert snapshot_images(exercise, host) == [], host


def snapshot_images(exercise: str, host: str | None) -> list[str]:
    return cluster.docker("images", "-q", "--filter", f"label=rangectl.exercise={exercise}",
                          host=host).split()


def run_and_score(exercise: str) -> dict[str, Any]:
    result = rangectl("run", "--exercise", exercise, "--speed", "120", timeout=300)
    assert result.returncode == 0, result.stderr
    scored = rangectl("score", "--exercise", exercise, "-o", "json")
    assert scored.returncode == 0, scored.stderr
    return {team["team"]: team for team in json.loads(scored.stdout)["teams"]}


def test_quickstart_on_one_node_that_serves_both_sites(manager: cluster.Manager,
                                                       tmp_path: Path) -> None:
    cluster.label_node(manager.node_id, site="ottawa,tallinn")
    exercise = unique_exercise("swarm-one")
    try:
        bring_up(exercise)
        networks = {n["Labels"][label.NETWORK] + "@" + n["Labels"][label.TEAM]: n
                    for n in cluster.labelled(exercise)["network"]}
        lan = networks["lan@ottawa"]
        assert (lan["Driver"], lan["Scope"], lan["Internal"], lan["Attachable"]) == (
            "overlay", "swarm", True, True)
        assert "encrypted" in lan["Options"]
        assert networks["access@ottawa"]["Driver"] == "bridge"  # on the bastion's node only
        containers = cluster.labelled(exercise)["container"]
        assert {c["Config"]["Labels"][label.NODE] for c in containers} == {manager.node_id}
        bastion = next(c for c in containers if c["Config"]["Labels"][label.HOST] == "bastion")
        bindings = bastion["HostConfig"]["PortBindings"]["22/tcp"]
        assert [b["HostIp"] for b in bindings] == ["127.0.0.1"]

        kit = tmp_path / "kit"
        made = rangectl("access", "ottawa", "--out", str(kit), "--exercise", exercise)
        assert made.returncode == 0, made.stderr
        through_bastion = subprocess.run(
            ["ssh", "-F", str(kit / "ssh_config"), "-o", "BatchMode=yes", "web", "hostname"],
            capture_output=True, text=True, timeout=60, check=False)
        assert through_bastion.returncode == 0, through_bastion.stderr
        assert through_bastion.stdout.strip() == "web"

        scores = run_and_score(exercise)
        assert set(scores) == {"ottawa", "tallinn"}
        assert all(team["categories"]["availability"] > 0 for team in scores.values())
    finally:
        rangectl("down", "--purge", "--exercise", exercise, timeout=300)
    assert cluster.labelled(exercise) == {"container": [], "network": []}


def test_a_router_on_three_overlays_starts_and_keeps_its_planned_addresses(
        manager: cluster.Manager) -> None:
    """Each node takes an address of its own on an overlay (the first free one unless
    told otherwise); the flagship's router holds `.2` on each of its networks."""
    cluster.label_node(manager.node_id, site="ottawa,tallinn")
    exercise = unique_exercise("swarm-router")
    try:
        result = rangectl("up", str(SCENARIOS / "arctic-sentinel.yml"), "--teams", "ottawa",
                          "--exercise", exercise, "--no-provision", timeout=300)
        assert result.returncode == 0, result.stderr
        fw = next(s for s in open_backend().status(exercise) if s.host == "fw")
        assert fw.state == "running"
        assert sorted(fw.addresses) == ["dmz", "internal", "ot"]
        assert all(address.endswith(".2") for address in fw.addresses.values())
    finally:
        rangectl("down", "--purge", "--exercise", exercise, timeout=300)


@pytest.fixture(scope="module")
def worker(manager: cluster.Manager) -> Iterator[str]:
    """Tallinn's engine, a second Docker engine joined as a worker; Ottawa is the manager."""
    node_id = None
    try:
        node_id, url = cluster.start_worker(manager)
        cluster.label_node(node_id, site="tallinn", engine=url)
        cluster.label_node(manager.node_id, site="ottawa")
        yield url
    finally:
        cluster.stop_worker(node_id)


@pytest.fixture(scope="module")
def two_sites(worker: str) -> Iterator[str]:
    exercise = unique_exercise("swarm-two")
    try:
        bring_up(exercise)
        yield exercise
    finally:
        rangectl("down", "--purge", "--exercise", exercise, timeout=300)


def team_of(container: dict[str, Any]) -> str:
    return str(container["Config"]["Labels"][label.TEAM])


def test_each_team_runs_on_its_own_sites_engine(two_sites: str, worker: str) -> None:
    on_manager = cluster.labelled(two_sites)["container"]
    on_worker = cluster.labelled(two_sites, worker)["container"]
    assert {team_of(c) for c in on_manager} == {"ottawa"}
    assert {team_of(c) for c in on_worker} == {"tallinn"}
    assert len(on_worker) == 5  # web, files, red, scorebot, bastion
    sites = rangectl("sites", str(QUICKSTART), "-o", "json")
    assert sites.returncode == 0, sites.stderr
    shown = json.loads(sites.stdout)
    held = {node["node"]: node["teams"] for node in shown["nodes"]}
    assert held["tallinn-node"] == {two_sites: ["tallinn"]}
    assert shown["placement"]["tallinn"] == "tallinn-node"


def addresses_of(exercise: str, team: str) -> list[str]:
    backend = open_backend()
    return [address for status in backend.status(exercise) if status.team == team
            for address in status.addresses.values()]


def machine_addresses() -> list[str]:
    listed = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True,
                            check=True).stdout.split("\n")
    return [line.split()[3].split("/")[0] for line in listed if line.strip()]


def test_no_team_reaches_the_other_site_or_either_engine(two_sites: str, worker: str) -> None:
    backend = open_backend()
    worker_address = worker.removeprefix("tcp://").split(":")[0]
    engines = [*machine_addresses(), worker_address]
    for team, other in (("ottawa", "tallinn"), ("tallinn", "ottawa")):
        own_web = next(s for s in backend.status(two_sites)
                       if s.team == team and s.host == "web").addresses["lan"]
        assert probe(backend, two_sites, team, "red", [(own_web, 80)]) == [True]
        targets = [(address, port) for address in addresses_of(two_sites, other)
                   for port in (22, 80)]
        targets += [(address, port) for address in engines for port in ENGINE_PORTS]
        reached = probe(backend, two_sites, team, "red", targets)
        assert not any(reached), [t for t, ok in zip(targets, reached, strict=True) if ok]


def test_a_host_on_the_other_sites_engine_is_reset_and_snapshotted_there(
        two_sites: str, worker: str) -> None:
    def web() -> tuple[dict[str, str], list[dict[str, Any]]]:
        status = next(s for s in open_backend().status(two_sites)
                      if (s.team, s.host) == ("tallinn", "web"))
        on_worker = [c for c in cluster.labelled(two_sites, worker)["container"]
                     if c["Config"]["Labels"][label.HOST] == "web"]
        return dict(status.addresses), on_worker

    addresses, _ = web()
    taken = rangectl("snapshot", "tallinn", "web", "base", "--exercise", two_sites)
    assert taken.returncode == 0, taken.stderr
    assert len(snapshot_images(two_sites, worker)) == 1  # on the engine the host runs on
    assert snapshot_images(two_sites, None) == []
    for extra in ([], ["--to", "base"]):
        reset = rangectl("reset", "tallinn", "web", "--reason", "swarm", *extra,
                         "--exercise", two_sites, timeout=300)
        assert reset.returncode == 0, reset.stderr
        now, on_worker = web()
        assert now == addresses  # same overlay addresses, on the same engine
        assert len(on_worker) == 1
        assert on_worker[0]["State"]["Running"]


def test_the_exercise_runs_scores_and_comes_down_on_both_engines(two_sites: str,
                                                                 worker: str) -> None:
    scores = run_and_score(two_sites)
    assert scores["tallinn"]["categories"]["availability"] > 0
    assert scores["ottawa"]["categories"]["availability"] > 0
    take_down(two_sites, [None, worker])
