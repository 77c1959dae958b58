"""The shipped scenarios and the valid fixtures load, and say what they promise."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.cli.common import load
from orchestrator.plan import plan_loaded
from tests.conftest import FIXTURES, SCENARIOS

VALID = sorted(SCENARIOS.glob("*.yml")) + sorted((FIXTURES / "valid").glob("*.yml"))


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_valid_scenario_loads_and_plans(path: Path) -> None:
    loaded = load(path)
    plan = plan_loaded(loaded)
    assert [team.team for team in plan.teams] == [team.id for team in loaded.scenario.teams]


def test_flagship_covers_the_campaign() -> None:
    scenario = load(SCENARIOS / "arctic-sentinel.yml").scenario
    assert [team.id for team in scenario.teams] == ["ottawa", "tallinn"]
    assert {team.timezone for team in scenario.teams} == {"America/Toronto", "Europe/Tallinn"}
    tactics = {inject.tactic for inject in scenario.injects}
    assert {"discovery", "credential-access", "initial-access", "persistence", "impact",
            "exfiltration"} <= tactics
    assert len(scenario.injects) >= 6
    assert {net.name for net in scenario.networks} == {"dmz", "internal", "ot"}
    fw = scenario.host("fw")
    assert fw is not None
    assert {a.name for a in fw.networks} == {"dmz", "internal", "ot"}


def test_quickstart_is_small() -> None:
    scenario = load(SCENARIOS / "quickstart.yml").scenario
    assert len(scenario.hosts) == 2
    assert len(scenario.networks) == 1
    assert len(scenario.injects) == 2
    assert scenario.duration < 120


def test_anchors_and_merge_keys_apply() -> None:
    scenario = load(FIXTURES / "valid" / "anchors.yml").scenario
    a, b = scenario.hosts
    assert a.resources.memory == 128 * 1024 * 1024
    assert b.resources.memory == 512 * 1024 * 1024
    assert b.resources.cpus == 0.25


def test_loaded_scenario_is_frozen() -> None:
    scenario = load(SCENARIOS / "quickstart.yml").scenario
    with pytest.raises(ValueError, match="frozen"):
        scenario.name = "other"  # type: ignore[misc]
