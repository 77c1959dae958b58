"""`rangectl plan` and `rangectl schema` as a controller runs them."""

from __future__ import annotations

import ipaddress
import itertools
import json

from tests.conftest import SCENARIOS
from tests.e2e.cli import rangectl

FLAGSHIP = str(SCENARIOS / "arctic-sentinel.yml")


def test_plan_json_is_valid_identical_and_disjoint() -> None:
    first = rangectl("plan", FLAGSHIP, "--output", "json")
    second = rangectl("plan", FLAGSHIP, "--output", "json")
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    plan = json.loads(first.stdout)
    assert [team["team"] for team in plan["teams"]] == ["ottawa", "tallinn"]
    subnets = [ipaddress.IPv4Network(net["subnet"])
               for team in plan["teams"] for net in team["networks"]]
    for a, b in itertools.combinations(subnets, 2):
        assert not a.overlaps(b)


def test_plan_options_pick_teams_pool_and_exercise() -> None:
    result = rangectl("plan", FLAGSHIP, "--teams", "tallinn", "--pool", "10.77.0.0/16",
                      "--exercise", "rehearsal", "-o", "json")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["exercise"] == "rehearsal"
    assert [team["team"] for team in plan["teams"]] == ["tallinn"]
    assert plan["teams"][0]["block"].startswith("10.77.")


def test_public_pool_is_refused() -> None:
    result = rangectl("plan", FLAGSHIP, "--pool", "8.8.0.0/16")
    assert result.returncode == 2
    assert "not a private range" in result.stderr


def test_table_output_shows_every_team_and_host() -> None:
    result = rangectl("plan", str(SCENARIOS / "quickstart.yml"))
    assert result.returncode == 0, result.stderr
    for word in ("ottawa", "tallinn", "web", "files", "red", "scorebot", "bastion", "scan"):
        assert word in result.stdout


def test_exported_schema_matches_the_model() -> None:
    result = rangectl("schema")
    assert result.returncode == 0
    shipped = (SCENARIOS / "scenario.schema.json").read_text(encoding="utf-8")
    assert json.loads(result.stdout) == json.loads(shipped), "run `make schema`"
    assert "teams" in json.loads(shipped)["properties"]
