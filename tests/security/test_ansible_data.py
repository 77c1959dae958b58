"""Scenario text reaches Ansible as data: nothing a scenario author writes runs on the controller.

Before: the inventory went to ansible-runner as a dict (written as JSON), and
Ansible templated every string in it, so a team name such as
`{{ lookup('pipe', 'id > /tmp/x') }}` ran as root on the controller at `up`.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrator.cli.common import load
from orchestrator.inventory import inventory, inventory_yaml
from orchestrator.plan import plan_loaded
from orchestrator.runtime.docker.backend import DockerBackend
from tests.e2e.cli import rangectl
from tests.security.hostile import hostile_scenario, lookup


@pytest.fixture
def marker() -> Iterator[Path]:
    """A short path (a team name is one line of at most 80 characters); removed after."""
    path = Path(f"/tmp/rp-{secrets.token_hex(4)}")
    yield path
    for leftover in path.parent.glob(f"{path.name}-*"):
        leftover.unlink()


PLAYBOOK = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Use every kind of scenario value the site playbook uses
      ansible.builtin.copy:
        dest: "{{ out }}/{{ inventory_hostname }}.txt"
        content: |
          team={{ rangectl_team_name }}
          secret={{ rangectl_secrets.admin_password }}
          {% for name, value in rangectl_secrets.items() | sort %}{{ name }}={{ value }}
          {% endfor %}hash={{ rangectl_secrets.digits | password_hash('sha512', 'saltsaltsalt') }}
          {% for role in rangectl_roles %}role={{ role.vars }}
          {% endfor %}{% for vuln in rangectl_vulnerabilities %}vuln={{ vuln.vars }}
          {% endfor %}
      delegate_to: localhost
"""


def test_inventory_values_are_never_templated_by_ansible(tmp_path: Path, marker: Path) -> None:
    loaded = load(hostile_scenario(tmp_path, marker))
    plan = plan_loaded(loaded)
    team = plan.teams[0]
    # Secrets that look like other YAML types must stay text (a password hash of
    # an int fails; "0x1F" must not become 31).
    values = {"admin_password": "{{ 7 * 6 }}", "digits": "123456", "boolean": "true",
              "nothing": "null", "hex": "0x1F", "float": "1e3"}
    document = inventory(loaded.scenario, plan, team, values,
                         {"users": [], "public_key": ""}, connection="local")
    (tmp_path / "hosts.yml").write_text(inventory_yaml(document), encoding="utf-8")
    (tmp_path / "play.yml").write_text(PLAYBOOK, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
           "ANSIBLE_LOCALHOST_WARNING": "False", "ANSIBLE_NOCOLOR": "True",
           "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "hosts.yml", "play.yml",
         "-e", f"out={out}", "-e", f"ansible_python_interpreter={sys.executable}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not list(marker.parent.glob(f"{marker.name}-*")), "Ansible ran a scenario's lookup"
    written = "".join(path.read_text() for path in out.iterdir())
    assert lookup(marker, "team") in written  # arrived as the text the author wrote
    assert lookup(marker, "title") in written
    assert lookup(marker, "vuln") in written
    assert "secret={{ 7 * 6 }}" in written  # a secret is data too, never computed
    for name, value in values.items():
        assert f"{name}={value}\n" in written  # and keeps its text and type
    assert "hash=$6$" in written  # a numeric-looking secret is hashed as text


def test_every_inventory_value_is_marked_unsafe(tmp_path: Path, marker: Path) -> None:
    loaded = load(hostile_scenario(tmp_path, marker))
    plan = plan_loaded(loaded)
    text = inventory_yaml(inventory(loaded.scenario, plan, plan.teams[0], {"s": "v"},
                                    {"users": ["alice"], "public_key": "ssh-ed25519 AAAA"},
                                    connection="docker"))
    for line in text.splitlines():
        key, _, value = line.strip().lstrip("- ").partition(": ")
        if "{" in line:
            assert value.startswith("!unsafe ") or key.startswith("!unsafe "), line
        if key.startswith("ansible_"):
            assert not value.startswith("!unsafe"), line  # rangectl's own settings


@pytest.mark.docker
def test_up_runs_nothing_a_scenario_wrote_on_the_controller(
        backend: DockerBackend, hostile_range: tuple[str, Path]) -> None:
    exercise, marker = hostile_range
    assert not list(marker.parent.glob(f"{marker.name}-*")), "`up` ran a scenario's lookup"
    page = backend.exec(exercise, "ottawa", "web", ["cat", "/var/www/html/index.html"],
                        timeout=30)
    assert lookup(marker, "title") in page.output  # shown to trainees as the text it is
    motd = backend.exec(exercise, "ottawa", "web", ["cat", "/etc/motd"], timeout=30)
    assert lookup(marker, "team") in motd.output
    status = rangectl("status", "--exercise", exercise, "-o", "json")
    assert status.returncode == 0, status.stderr
