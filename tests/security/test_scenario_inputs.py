"""A scenario that would hang, crash or compute on the controller is a located problem, or works.

Before: more than 25 teams with a `weak_password` secret made `up` loop for
ever; a long `after` chain written in reverse was a RecursionError; `{{ 1/0 }}`
or a huge `range()` in a template was "internal error" (exit 1); a
vulnerability's `secret:` naming no secret passed `validate`; a newline in a
team name wrote `Host *` / `ProxyCommand` lines into every trainee's
ssh_config; `validate` of 1000 teams took minutes.
"""

from __future__ import annotations

import ipaddress
import random
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml

from orchestrator.cli.common import load
from orchestrator.plan import plan_loaded, templates
from orchestrator.plan.subnets import PoolExhaustedError, SubnetAllocator
from orchestrator.scenario import template_policy
from orchestrator.scenario.model import Secret
from orchestrator.scenario.types import check_template
from orchestrator.secrets import WEAK_CHOICES, ensure_secrets, weak_passwords
from orchestrator.state import ExerciseState
from tests.conftest import FIXTURES, SCENARIOS
from tests.e2e.cli import rangectl

INVALID = FIXTURES / "invalid"


def assert_located_refusal(path: Path, *texts: str) -> None:
    result = rangectl("validate", str(path), timeout=60)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    for text in texts:
        located = [line for line in result.stderr.splitlines()
                   if line.startswith(f"{path}:") and text in line]
        assert located, f"no located problem with {text!r}: {result.stderr}"


def test_templates_that_compute_are_refused_at_validate() -> None:
    assert_located_refusal(INVALID / "template-computes.yml", "'/' is not allowed",
                           "call is not allowed", "'center' is not allowed", "'**' is not allowed")
    assert_located_refusal(INVALID / "template-nested-loop.yml", "inside another")


def test_a_newline_in_a_team_name_is_refused() -> None:
    assert_located_refusal(INVALID / "team-name-newline.yml", "one printable line")


def test_a_vulnerability_naming_an_unknown_secret_is_refused() -> None:
    assert_located_refusal(INVALID / "unknown-vulnerability-secret.yml",
                           "unknown secret 'admin_pasword'", "did you mean 'admin_password'")


def scenario_with(directory: Path, **changes: Any) -> Path:
    scenario: dict[str, Any] = yaml.safe_load((SCENARIOS / "quickstart.yml").read_text())
    scenario.update(changes)
    path = directory / "scenario.yml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")
    return path


def teams(count: int) -> list[dict[str, str]]:
    return [{"id": f"t{i:04d}", "name": f"Team {i}", "site": "ottawa", "timezone": "UTC"}
            for i in range(count)]


def test_more_teams_than_weak_passwords_get_one_each(tmp_path: Path) -> None:
    path = scenario_with(tmp_path, teams=teams(3 * WEAK_CHOICES),
                         addressing={"pool": "10.0.0.0/12"})
    plan = plan_loaded(load(path))
    stored = ensure_secrets(ExerciseState("weak", root=tmp_path), plan,
                            (Secret(name="admin_password", kind="weak_password"),))
    values = [stored[team.team]["admin_password"] for team in plan.teams]
    assert len(values) == 3 * WEAK_CHOICES
    assert set(values) == set(weak_passwords()[:WEAK_CHOICES])  # every one guessable, all used


def test_a_long_after_chain_in_reverse_order_is_planned(tmp_path: Path) -> None:
    length = 3000
    step = {"tactic": "discovery", "technique": "T1046", "target": {"host": "web"},
            "steps": [{"run": "true"}]}
    injects = [{"name": f"i{n}", **step, "after": f"i{n + 1}", "delay": 1}
               for n in range(length - 1)]
    injects.append({"name": f"i{length - 1}", **step, "at": 10})
    path = scenario_with(tmp_path, injects=injects, duration="2h")
    result = rangectl("plan", str(path), "--teams", "ottawa", "-o", "json", timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    plan = yaml.safe_load(result.stdout)
    offsets = {inject["name"]: inject["offset"] for inject in plan["teams"][0]["injects"]}
    assert offsets["i0"] == 10 + length - 1  # the head of the chain fires last


def test_a_thousand_teams_validate(tmp_path: Path) -> None:
    path = scenario_with(tmp_path, teams=teams(1000), addressing={"pool": "10.0.0.0/8"})
    result = rangectl("validate", str(path), timeout=120)
    assert result.returncode == 0, result.stderr
    assert "1000 teams" in result.stderr


def reference_allocate(pool: ipaddress.IPv4Network, taken: list[ipaddress.IPv4Network],
                       prefix: int) -> ipaddress.IPv4Network | None:
    """The allocator's contract, by brute force: the first aligned free subnet."""
    for subnet in pool.subnets(new_prefix=prefix):
        if not any(subnet.overlaps(net) for net in taken):
            taken.append(subnet)
            return subnet
    return None


@pytest.mark.parametrize("seed", range(20))
def test_the_subnet_allocator_is_first_fit(seed: int) -> None:
    chance = random.Random(seed)
    pool = ipaddress.IPv4Network("10.0.0.0/20")
    reserved = [ipaddress.IPv4Network((int(pool.network_address) + chance.randrange(0, 4096),
                                       chance.choice([24, 26, 28])), strict=False)
                for _ in range(chance.randrange(0, 12))]
    allocator = SubnetAllocator(pool, reserved)
    taken = list(reserved)
    for _ in range(60):
        prefix = chance.choice([22, 24, 25, 27, 28])
        expected = reference_allocate(pool, taken, prefix)
        if expected is None:
            with pytest.raises(PoolExhaustedError):
                allocator.allocate(prefix, "test")
        else:
            assert allocator.allocate(prefix, "test") == expected


def test_many_unknown_names_give_short_hints_and_a_capped_list(tmp_path: Path) -> None:
    count = 600  # above the close-match limit and the problem cap, still quick
    secrets = [{"name": f"s{n:05d}", "kind": "password"} for n in range(count)]
    services = [{"name": f"ssh{n}", "port": 1000 + n, "check": {
        "type": "ssh", "user": "admin", "password_secret": f"missing{n:05d}"}}
        for n in range(count)]
    scenario: dict[str, Any] = yaml.safe_load((SCENARIOS / "quickstart.yml").read_text())
    scenario["secrets"] = secrets
    scenario["hosts"][1]["vulnerabilities"] = []
    scenario["hosts"][1]["services"] = services
    path = tmp_path / "scenario.yml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")
    result = rangectl("validate", str(path), timeout=60)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) < 300, len(lines)
    assert any(line.startswith("... and ") and "more problem" in line for line in lines)
    assert all(len(line) < 1000 for line in lines), max(lines, key=len)[:300]
    assert "s00009, ... and 590 more" in result.stderr


def test_each_distinct_template_is_compiled_once_per_plan(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    count = 4200  # just more than the shared compile cache holds
    injects = [{"name": f"i{n}", "tactic": "discovery", "technique": "T1046", "at": 10,
                "target": {"host": "web"}, "steps": [{"run": f"echo {n} {{{{ team.id }}}}"}]}
               for n in range(count)]
    loaded = load(scenario_with(tmp_path, injects=injects))
    compiled: list[str] = []
    original = templates._ENVIRONMENT.from_string

    def counting(source: str) -> jinja2.Template:
        compiled.append(source)
        return original(source)

    monkeypatch.setattr(templates._ENVIRONMENT, "from_string", counting)
    plan = plan_loaded(loaded)
    assert len(plan.teams) == 2
    assert plan.teams[1].injects[0].steps[0].run == "echo 0 tallinn"
    assert len(compiled) == len(set(compiled))  # the second team compiled nothing again


def test_teams_times_templates_is_bounded(tmp_path: Path) -> None:
    inject = {"name": "long", "tactic": "discovery", "technique": "T1046", "at": 10,
              "target": {"host": "web"}, "steps": [{"run": "true"}] * 600}
    path = scenario_with(tmp_path, teams=teams(1000), addressing={"pool": "10.0.0.0/8"},
                         injects=[inject])
    result = rangectl("validate", str(path), timeout=60)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    assert "more than the limit of 500,000" in result.stderr
    assert "--teams" in result.stderr
    result = rangectl("plan", str(path), "--teams", "t0000,t0001", "-o", "json", timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]


DEEP_TEMPLATES = {
    "nested-if": "{% if true %}" * 100 + "x" + "{% endif %}" * 100,
    "filter-chain": "{{ team.id" + "|lower" * 210 + " }}",
    "attribute-chain": "{{ team.id" + ".x" * 210 + " }}",
    "item-chain": "{{ team.id" + "[0]" * 210 + " }}",
}


@pytest.mark.parametrize("template", DEEP_TEMPLATES.values(), ids=DEEP_TEMPLATES.keys())
def test_templates_too_deep_to_compile_are_located_problems(tmp_path: Path,
                                                            template: str) -> None:
    inject = {"name": "deep", "tactic": "discovery", "technique": "T1046", "at": 10,
              "target": {"host": "web"}, "steps": [{"run": template}]}
    path = scenario_with(tmp_path, injects=[inject])
    assert_located_refusal(path, "template error", "is not allowed")


@pytest.mark.parametrize("template", DEEP_TEMPLATES.values(), ids=DEEP_TEMPLATES.keys())
def test_validate_compiles_templates_past_the_policy(monkeypatch: pytest.MonkeyPatch,
                                                     template: str) -> None:
    monkeypatch.setattr(template_policy, "MAX_DEPTH", 10_000, raising=False)
    monkeypatch.setattr(template_policy, "MAX_FILTERS", 10_000, raising=False)
    with pytest.raises(ValueError, match="template error: nested too deeply"):
        check_template(template)


def test_a_template_python_cannot_compile_is_a_template_error() -> None:
    # Past the policy (here: 120 levels of nesting), compiling is the last line.
    template = "{% if true %}" * 120 + "x" + "{% endif %}" * 120
    with pytest.raises(templates.TemplateRenderError):
        templates.render(template, {})


def test_a_deeply_nested_success_pattern_is_a_located_problem(tmp_path: Path) -> None:
    inject = {"name": "deep", "tactic": "discovery", "technique": "T1046", "at": 10,
              "target": {"host": "web"}, "steps": [{"run": "true"}],
              "success": {"matches": "(?:" * 1000 + "a" + ")" * 1000}}
    assert_located_refusal(scenario_with(tmp_path, injects=[inject]), "1000 characters")


def quickstart() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((SCENARIOS / "quickstart.yml").read_text())
    return loaded


def with_inject(**changes: Any) -> list[dict[str, Any]]:
    injects: list[dict[str, Any]] = quickstart()["injects"]
    injects[1].update(changes)
    return injects


HUGE_NUMBERS: dict[str, tuple[dict[str, Any], str]] = {
    "duration": ({"duration": 10**30}, "less than or equal to"),
    "window": ({"injects": with_inject(detection={"window": 10**30, "points": 5})},
               "less than or equal to"),
    "inject-points": ({"injects": with_inject(points=9 * 10**30)}, "less than or equal to"),
    "penalty-points": ({"scoring": {"penalties": [{"rule": "false_report", "points": 10**30}]}},
                       "less than or equal to"),
    "points-per-check": ({"scoring": {"availability": {"points_per_check": 1e308}}},
                         "less than or equal to"),
    "infinite-weight": ({"scoring": {"weights": {"detection": float("inf")}}}, "finite"),
    "step-timeout": ({"injects": with_inject(steps=[{"run": "true", "timeout": 10**20}])},
                     "less than or equal to 3600"),
}


@pytest.mark.parametrize("case", HUGE_NUMBERS.values(), ids=HUGE_NUMBERS.keys())
def test_numbers_beyond_what_scoring_and_sockets_hold_are_refused(
        tmp_path: Path, case: tuple[dict[str, Any], str]) -> None:
    changes, text = case
    assert_located_refusal(scenario_with(tmp_path, **changes), text)


def test_a_check_timeout_is_at_most_an_hour(tmp_path: Path) -> None:
    hosts = quickstart()["hosts"]
    hosts[1]["services"][0]["check"]["timeout"] = 10**20
    assert_located_refusal(scenario_with(tmp_path, hosts=hosts), "less than or equal to 3600")


def test_a_long_base_60_number_is_refused_quickly_and_briefly(tmp_path: Path) -> None:
    path = scenario_with(tmp_path)
    text = path.read_text(encoding="utf-8").replace("duration: 90s",
                                                    "duration: 1" + ":0" * 100_000)
    path.write_text(text, encoding="utf-8")
    assert_located_refusal(path, "number too long (200001 characters")
    result = rangectl("validate", str(path), timeout=60)
    assert max(len(line) for line in result.stderr.splitlines()) < 500
