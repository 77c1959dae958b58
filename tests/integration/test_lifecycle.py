"""`up`, `status`, `down` as a controller runs them, against the real engine."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from orchestrator.errors import RuntimeFailureError
from orchestrator.plan.planner import plan_exercise
from orchestrator.runtime.docker.backend import DockerBackend
from orchestrator.runtime.events import ignore
from orchestrator.scenario.model import Scenario
from orchestrator.state import ExerciseState
from tests.conftest import SCENARIOS
from tests.e2e.cli import rangectl
from tests.integration.conftest import unique_exercise

pytestmark = pytest.mark.docker

QUICKSTART = str(SCENARIOS / "quickstart.yml")


def leftovers(exercise: str) -> int:
    client = docker.from_env()
    label = {"label": f"rangectl.exercise={exercise}"}
    return len(client.containers.list(all=True, filters=label)) + len(
        client.networks.list(filters=label))


@pytest.fixture
def exercise(backend: DockerBackend) -> Iterator[str]:
    name = unique_exercise("life")
    try:
        yield name
    finally:
        backend.teardown(name, ignore, 8)
        ExerciseState(name).purge()


def status(exercise: str) -> dict[str, Any]:
    result = rangectl("status", "--exercise", exercise, "--output", "json")
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_up_status_idempotent_up_and_down(exercise: str) -> None:
    first = rangectl("up", QUICKSTART, "--exercise", exercise, timeout=600)
    assert first.returncode == 0, first.stderr
    assert "10 hosts created" in first.stderr
    hosts = status(exercise)["hosts"]
    assert len(hosts) == 10
    assert {(h["team"], h["host"]) for h in hosts} == {
        (team, host) for team in ("ottawa", "tallinn")
        for host in ("web", "files", "red", "scorebot", "bastion")}
    assert {h["state"] for h in hosts} == {"running"}
    ids_before = {c.name: c.id for c in docker.from_env().containers.list(
        filters={"label": f"rangectl.exercise={exercise}"})}

    second = rangectl("up", QUICKSTART, "--exercise", exercise)
    assert second.returncode == 0, second.stderr
    assert "0 hosts created, 0 recreated, 0 started, 10 unchanged" in second.stderr
    ids_after = {c.name: c.id for c in docker.from_env().containers.list(
        filters={"label": f"rangectl.exercise={exercise}"})}
    assert ids_after == ids_before

    listed = rangectl("exercises", "--output", "json")
    assert exercise in [row["exercise"] for row in json.loads(listed.stdout)]

    down = rangectl("down", "--exercise", exercise)
    assert down.returncode == 0, down.stderr
    assert leftovers(exercise) == 0
    assert ExerciseState(exercise).exists(), "down keeps the exercise's data"
    again = rangectl("down", "--exercise", exercise)
    assert again.returncode == 0
    assert "removed 0 containers, 0 networks" in again.stderr
    purge = rangectl("down", "--purge", "--exercise", exercise)
    assert purge.returncode == 0
    assert not ExerciseState(exercise).exists()


def test_up_finishes_a_deployment_left_half_done(exercise: str) -> None:
    assert rangectl("up", QUICKSTART, "--exercise", exercise, timeout=600).returncode == 0
    client = docker.from_env()
    prefix = f"rangectl-{exercise}"
    client.containers.get(f"{prefix}-ottawa-web").remove(force=True)
    client.containers.get(f"{prefix}-tallinn-red").stop(timeout=1)
    bastion = client.containers.get(f"{prefix}-ottawa-bastion")
    client.networks.get(f"{prefix}-ottawa-lan").disconnect(bastion, force=True)
    bastion.stop(timeout=1)

    result = rangectl("up", QUICKSTART, "--exercise", exercise)
    assert result.returncode == 0, result.stderr
    assert "1 hosts created, 1 recreated, 1 started, 7 unchanged" in result.stderr
    assert {h["state"] for h in status(exercise)["hosts"]} == {"running"}


def networks_left_by_a_crash(exercise: str, backend: DockerBackend) -> list[str]:
    """What a crash right after the networks were made leaves behind."""
    loaded_plan = plan_exercise(
        Scenario.model_validate({
            "version": 1, "name": "partial", "duration": "10m",
            "teams": [{"id": "blue", "name": "Blue", "site": "lab", "timezone": "UTC"}],
            "networks": [{"name": "lan"}], "hosts": [{"name": "a", "networks": ["lan"]}]}),
        exercise=exercise, reserved=backend.reserved_subnets(exercise))
    team = loaded_plan.teams[0]
    for network in team.networks:
        backend.api.create_network(network.docker_name, internal=network.internal,
                                   labels=network.labels,
                                   ipam={"Config": [{"Subnet": network.subnet}]})
    return [network.docker_name for network in team.networks]


def test_down_after_an_interrupted_up_removes_everything(exercise: str,
                                                        backend: DockerBackend) -> None:
    networks_left_by_a_crash(exercise, backend)
    assert leftovers(exercise) == 2
    result = rangectl("down", "--exercise", exercise)
    assert result.returncode == 0, result.stderr
    assert leftovers(exercise) == 0


def test_down_cuts_off_a_container_attached_by_hand(exercise: str,
                                                    backend: DockerBackend) -> None:
    network = networks_left_by_a_crash(exercise, backend)[0]
    client = docker.from_env()
    debug = client.containers.run("rangectl/base:latest", ["sleep", "300"], detach=True,
                                  network=network, labels={"rangectl.test": exercise})
    try:
        result = rangectl("down", "--exercise", exercise)
        assert result.returncode == 0, result.stderr
        assert leftovers(exercise) == 0
        assert f"not part of the exercise from its networks: {debug.name}" in result.stderr
        debug.reload()
        assert debug.status == "running"
        assert network not in debug.attrs["NetworkSettings"]["Networks"]
    finally:
        debug.remove(force=True)


def test_same_exercise_id_for_another_scenario_is_refused(exercise: str) -> None:
    assert rangectl("up", QUICKSTART, "--exercise", exercise, timeout=600).returncode == 0
    other = rangectl("up", str(SCENARIOS / "arctic-sentinel.yml"), "--exercise", exercise)
    assert other.returncode == 2
    assert f"exercise '{exercise}' already exists for scenario 'quickstart'" in other.stderr
    assert "Traceback" not in other.stderr
    assert len(status(exercise)["hosts"]) == 10


def test_a_foreign_network_on_the_pool_is_planned_around(exercise: str) -> None:
    client = docker.from_env()
    foreign = client.networks.create(
        f"{exercise}-foreign", internal=True, labels={"rangectl.test": exercise},
        ipam=docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(
            subnet="10.99.0.0/26")]))
    try:
        result = rangectl("up", QUICKSTART, "--exercise", exercise, "--pool", "10.99.0.0/24",
                          timeout=600)
        assert result.returncode == 0, result.stderr
        plan = ExerciseState(exercise).load_plan()
        assert plan is not None
        blocks = [team.block for team in plan.teams]
        assert "10.99.0.0/26" not in blocks
        assert all(not block.startswith("10.99.0.0/") for block in blocks)
    finally:
        foreign.remove()


def test_a_host_that_exits_at_start_is_named(exercise: str, backend: DockerBackend) -> None:
    client = docker.from_env()
    image, _ = client.images.build(
        fileobj=__import__("io").BytesIO(b"FROM rangectl/base:latest\nCMD [\"false\"]\n"),
        tag="rangectl/exits:latest", labels={"rangectl.test": "exits"}, rm=True)
    scenario = Scenario.model_validate({
        "version": 1, "name": "exits", "duration": "10m",
        "teams": [{"id": "blue", "name": "Blue", "site": "lab", "timezone": "UTC"}],
        "networks": [{"name": "lan"}],
        "hosts": [{"name": "broken", "image": "exits", "networks": ["lan"]}]})
    plan = plan_exercise(scenario, exercise=exercise, reserved=backend.reserved_subnets(exercise))
    plan = plan.model_copy(update={"teams": tuple(
        team.model_copy(update={"hosts": tuple(h for h in team.hosts if h.name == "broken")})
        for team in plan.teams)})
    try:
        with pytest.raises(RuntimeFailureError, match="team 'blue', host 'broken'") as caught:
            backend.deploy(plan, {}, ignore, 4)
        assert "docker logs" in (caught.value.hint or "")
        backend.teardown(exercise, ignore, 4)
        assert leftovers(exercise) == 0
    finally:
        backend.teardown(exercise, ignore, 4)
        client.images.remove(image.id, force=True)


def test_engine_that_does_not_answer_is_a_clear_runtime_error(tmp_path: Path) -> None:
    env_socket = f"unix://{tmp_path}/no-docker.sock"
    previous = os.environ.get("DOCKER_HOST")
    os.environ["DOCKER_HOST"] = env_socket
    try:
        result = rangectl("status", "--exercise", "anything")
    finally:
        if previous is None:
            os.environ.pop("DOCKER_HOST")
        else:
            os.environ["DOCKER_HOST"] = previous
    assert result.returncode == 1
    assert "cannot reach the Docker engine" in result.stderr
    assert "Traceback" not in result.stderr
