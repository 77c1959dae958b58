"""Scenario bundles on a real engine: the baltic-grid example end to end, and a bundle
whose role tries to reach the controller and whose hosts run images rangectl did not build.

A bundle's roles are code from another nation: they must run inside the host they
configure. The hostile role below uses the three ways Ansible evaluates a task on the
machine that runs it (a `pipe` lookup, `delegate_to: localhost`, `local_action`);
each must leave its mark inside the range host and none on the controller.
"""

from __future__ import annotations

import secrets
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrator.runtime.docker.backend import DockerBackend
from tests.conftest import SCENARIOS
from tests.e2e.cli import rangectl
from tests.integration.conftest import deployed, events, running, unique_exercise

pytestmark = pytest.mark.docker

FOREIGN_DOCKERFILE = """\
FROM rangectl/base:latest
RUN mkdir /srv/hmi && echo 'grid hmi console' > /srv/hmi/index.html
CMD ["python3", "-m", "http.server", "8000", "--directory", "/srv/hmi"]
"""


def test_the_baltic_grid_bundle_runs_end_to_end(backend: DockerBackend) -> None:
    for exercise in deployed(backend, SCENARIOS / "baltic-grid" / "scenario.yml",
                             unique_exercise("grid")):
        tasks = {data.get("task") for team, data in events(exercise, "host.task_finished")
                 if team == "ottawa"}
        assert "grid_telemetry : Configure the telemetry" in tasks  # the bundle's role ran
        with running(exercise, "10") as process:
            _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
        outcomes = {(team, data["inject"]): data["outcome"]
                    for team, data in events(exercise, "inject.completed")}
        assert outcomes[("ottawa", "open-breaker")] == "succeeded"
        # Red's command went through the bundle's unauthenticated breaker control.
        telemetry = backend.exec(exercise, "ottawa", "substation",
                                 ["sh", "-c", "nc -w 2 127.0.0.1 2404"])
        assert "GRID-TELEMETRY 1 narva-330" in telemetry.output
        assert "feeder-1 0kV open" in telemetry.output
        score = rangectl("score", "--exercise", exercise)
        assert score.returncode == 0, score.stderr


@pytest.fixture
def foreign_image(tmp_path: Path) -> Iterator[str]:
    """An image rangectl did not build (no sshd, no rangectl labels), by two tags."""
    tag = f"rangectl-test-hmi-{secrets.token_hex(3)}"
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "Dockerfile").write_text(FOREIGN_DOCKERFILE, encoding="utf-8")
    subprocess.run(["docker", "build", "-q", "-t", f"{tag}:archive", "-t", f"{tag}:ref",
                    str(tmp_path / "foreign")], check=True, capture_output=True, timeout=300)
    try:
        yield tag
    finally:
        subprocess.run(["docker", "rmi", "-f", f"{tag}:archive", f"{tag}:ref"],
                       capture_output=True, check=False)


def hostile_bundle(root: Path, image: str, marker: str) -> Path:
    """A bundle: a role that tries the controller three ways, and two foreign hosts."""
    tasks = root / "roles" / "reach_controller" / "tasks"
    tasks.mkdir(parents=True)
    (tasks / "main.yml").write_text(textwrap.dedent(f"""\
        ---
        - name: Read a command's output through a lookup
          ansible.builtin.copy:
            dest: /root/{marker}-lookup
            content: >-
              {{{{ lookup('ansible.builtin.pipe', 'hostname; touch /tmp/{marker}-pipe') }}}}
            mode: "0600"
        - name: Run a command delegated to localhost
          ansible.builtin.command: touch /tmp/{marker}-delegated
          delegate_to: localhost
          changed_when: true
        - name: Run a local action
          local_action:
            module: ansible.builtin.command
            cmd: touch /tmp/{marker}-local
          changed_when: true
        """), encoding="utf-8")
    (root / "images").mkdir()
    subprocess.run(["docker", "save", "-o", str(root / "images" / "hmi.tar"), f"{image}:archive"],
                   check=True, timeout=300)
    subprocess.run(["docker", "rmi", f"{image}:archive"], check=True, capture_output=True)
    scenario = root / "scenario.yml"
    scenario.write_text(textwrap.dedent(f"""\
        version: 1
        name: bundle-probe
        duration: 60s
        teams: [{{id: ottawa, name: Ottawa, site: ottawa, timezone: America/Toronto}}]
        networks: [{{name: lan, prefix: 27}}]
        hosts:
          - name: probe
            networks: [lan]
            roles: [reach_controller]
          - name: hmi
            image: images/hmi.tar
            networks: [lan]
            services:
              - {{name: console, port: 8000, check: {{type: http, contains: grid hmi console}}}}
          - name: spare
            image: {image}:ref
            networks: [lan]
            services:
              - {{name: console, port: 8000, check: {{type: tcp}}}}
        """), encoding="utf-8")
    return scenario


def test_bundle_roles_run_in_the_range_and_foreign_images_pass_their_checks(
    backend: DockerBackend, foreign_image: str, tmp_path: Path
) -> None:
    marker = f"rangectl-bundle-{secrets.token_hex(4)}"
    scenario = hostile_bundle(tmp_path / "bundle", foreign_image, marker)
    for exercise in deployed(backend, scenario, unique_exercise("bundle")):
        # The baseline gate passed: the foreign hosts' checks ran from the scorebot.
        assert [team for team, _ in events(exercise, "team.ready")] == ["ottawa"]
        for how in ("pipe", "delegated", "local"):
            assert not Path(f"/tmp/{marker}-{how}").exists(), f"{how} ran on the controller"
            inside = backend.exec(exercise, "ottawa", "probe",
                                  ["test", "-f", f"/tmp/{marker}-{how}"])
            assert inside.exit_code == 0, f"{how} did not run inside the host"
        seen = backend.exec(exercise, "ottawa", "probe", ["cat", f"/root/{marker}-lookup"])
        assert seen.output.strip() == "probe"  # the lookup ran on the host itself
        leftover = backend.exec(exercise, "ottawa", "probe",
                                ["test", "-e", "/var/lib/rangectl-bundle"])
        assert leftover.exit_code != 0, "the bundle's copy (with the team's secrets) was left"
        labels = subprocess.run(
            ["docker", "inspect", "-f", '{{index .Config.Labels "rangectl.exercise"}} '
             "{{.HostConfig.NetworkMode}}", f"rangectl-{exercise}-ottawa-hmi"],
            capture_output=True, text=True, check=True).stdout.split()
        assert labels[0] == exercise
        assert labels[1].startswith(f"rangectl-{exercise}-ottawa-")  # on the range network
