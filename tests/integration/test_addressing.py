"""Exercises on one engine never take each other's address blocks.

Each team gets an aligned block of the pool larger than the subnets it uses.
Another exercise planned later used to fill the unused rest of that block, and
then the first exercise's own `up`, run again (to finish or repair it), planned
its team somewhere else and refused its own networks.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator

import pytest

from orchestrator.runtime.docker.backend import DockerBackend
from orchestrator.runtime.events import ignore
from orchestrator.state import ExerciseState
from tests.conftest import SCENARIOS
from tests.e2e.cli import rangectl
from tests.integration.conftest import unique_exercise

pytestmark = pytest.mark.docker
POOL = "10.200.0.0/16"


@pytest.fixture
def two_exercises(backend: DockerBackend) -> Iterator[tuple[str, str]]:
    first, second = unique_exercise("blocks-a"), unique_exercise("blocks-b")
    try:
        yield first, second
    finally:
        for exercise in (first, second):
            backend.teardown(exercise, ignore, 8)
            rangectl("down", "--purge", "--exercise", exercise)


def up(scenario: str, exercise: str) -> None:
    result = rangectl("up", str(SCENARIOS / scenario), "--exercise", exercise, "--teams",
                      "ottawa", "--pool", POOL, "--no-provision", timeout=300)
    assert result.returncode == 0, result.stderr


def team_block_and_subnets(exercise: str) -> tuple[ipaddress.IPv4Network,
                                                   list[ipaddress.IPv4Network]]:
    """The first team's block and subnets, as `up` recorded them in the plan."""
    plan = json.loads((ExerciseState(exercise).directory / "plan.json").read_text("utf-8"))
    team = plan["teams"][0]
    return (ipaddress.IPv4Network(team["block"]),
            [ipaddress.IPv4Network(network["subnet"]) for network in team["networks"]])


def test_a_second_exercise_leaves_the_first_ones_blocks_whole(
        two_exercises: tuple[str, str]) -> None:
    first, second = two_exercises
    up("arctic-sentinel.yml", first)  # a /22 block, of which about half is used
    up("quickstart.yml", second)  # a /26 block: it fitted into the first one's unused half
    first_block, _ = team_block_and_subnets(first)
    _, second_subnets = team_block_and_subnets(second)
    assert not any(subnet.overlaps(first_block) for subnet in second_subnets)
    up("arctic-sentinel.yml", first)  # run again: same block, networks reused
