"""A host's roles and vulnerabilities are checked against what each role says it reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.errors import ScenarioError
from orchestrator.roles.catalog import builtin_roles, read_catalog
from orchestrator.scenario.loader import load_scenario
from orchestrator.scenario.references import ReferenceContext
from tests.conftest import SCENARIOS

QUICKSTART = (SCENARIOS / "quickstart.yml").read_text(encoding="utf-8")
WEAK = "        vars: {user: admin, secret: admin_password}\n"
LINE = QUICKSTART.splitlines().index(WEAK.rstrip("\n")) + 1  # the vars line


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "scenario.yml"
    path.write_text(text, encoding="utf-8")
    context = ReferenceContext(roles=read_catalog([builtin_roles()]))
    try:
        load_scenario(path, context)
    except ScenarioError as exc:
        return [problem.render().replace(str(path), "FILE") for problem in exc.problems]
    return []


def test_the_shipped_scenarios_pass(tmp_path: Path) -> None:
    assert problems(tmp_path, QUICKSTART) == []
    arctic = (SCENARIOS / "arctic-sentinel.yml").read_text(encoding="utf-8")
    assert problems(tmp_path, arctic) == []


@pytest.mark.parametrize(("vars_line", "expected"), [
    ("{user: admin, secret: admin_password, usr: x}",
     "host 'files', weak_ssh_password: no variable 'usr' (hint: did you mean 'user'?"),
    ("{secret: admin_password}",
     "host 'files', weak_ssh_password: variable 'user' is required"),
    ("{user: [admin], secret: admin_password}",
     "'user' is a string, not a list"),
    ("{user: admin, secret: admin_pasword}",
     "unknown secret 'admin_pasword' (hint: did you mean 'admin_password'?"),
    ("{user: admin, secret: 5}", "'secret' is a secret, not a number"),
])
def test_a_vulnerabilitys_vars_are_checked_at_their_line(tmp_path: Path, vars_line: str,
                                                          expected: str) -> None:
    found = problems(tmp_path, QUICKSTART.replace(WEAK, f"        vars: {vars_line}\n"))
    assert len(found) == 1, found
    assert found[0].startswith(f"FILE:{LINE}:") or found[0].startswith(f"FILE:{LINE - 1}:")
    assert expected in found[0]


def test_a_port_out_of_range_and_a_boolean_for_a_number_are_refused(tmp_path: Path) -> None:
    text = QUICKSTART.replace("roles: [web_portal]",
                              "roles: [{name: ais_feed, vars: {port: 70000, vessels: true}}]")
    found = problems(tmp_path, text)
    assert any("'port' is a port, 1 to 65535, not 70000" in p for p in found), found
    assert any("'vessels' is an integer, not a boolean (true)" in p for p in found), found


def test_a_vulnerability_listed_as_a_role_says_where_it_belongs(tmp_path: Path) -> None:
    found = problems(tmp_path, QUICKSTART.replace("roles: [web_portal]",
                                                  "roles: [web_command_injection]"))
    assert found == ["FILE:28:13: host 'web': 'web_command_injection' is a vulnerability, "
                     "not a role (hint: list it under 'vulnerabilities:')"]


def test_rangectls_own_roles_cannot_be_named(tmp_path: Path) -> None:
    found = problems(tmp_path, QUICKSTART.replace("roles: [web_portal]", "roles: [common]"))
    assert len(found) == 1, found
    assert "unknown role 'common'" in found[0]
