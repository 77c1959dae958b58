"""Provisioning and the baseline gate on the flagship, against the real engine.

One deployment of arctic-sentinel for both teams serves every test here: the
services answer like the real thing, the seeded weaknesses are real, a second
`up` changes nothing, and each team has its own secrets.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator

import pytest

from orchestrator.deploy import UP_STEPS
from orchestrator.events.kinds import UpStepCompleted, UpStepFailed
from orchestrator.events.store import EventStore
from orchestrator.runtime.docker.backend import DockerBackend
from orchestrator.scorebot import run_checks
from orchestrator.secrets import secrets_path
from orchestrator.state import ExerciseState
from tests.conftest import FIXTURES, SCENARIOS
from tests.e2e.cli import rangectl
from tests.integration.conftest import deployed, unique_exercise

pytestmark = pytest.mark.docker
FLAGSHIP = SCENARIOS / "arctic-sentinel.yml"


@pytest.fixture(scope="module")
def exercise(backend: DockerBackend) -> Iterator[str]:
    yield from deployed(backend, FLAGSHIP, unique_exercise("flagship"))


@pytest.fixture(scope="module")
def secrets(exercise: str) -> dict[str, dict[str, str]]:
    return dict(json.loads(secrets_path(ExerciseState(exercise)).read_text(encoding="utf-8")))


def address(exercise: str, team: str, host: str, network: str) -> str:
    plan = ExerciseState(exercise).load_plan()
    assert plan is not None
    return plan.team(team).host(host).addresses[network]


def test_every_check_passes_from_each_scorebot(backend: DockerBackend, exercise: str,
                                              secrets: dict[str, dict[str, str]]) -> None:
    plan = ExerciseState(exercise).load_plan()
    assert plan is not None
    for team in plan.teams:
        results = run_checks(backend, exercise, team, secrets[team.team])
        assert {r.check_id for r in results} == {
            "fw/fw-ssh", "portal/portal-http", "portal/portal-ssh", "ais/ais-feed", "ns/dns",
            "workstation/workstation-ssh", "historian/historian-api"}
        assert {r.result for r in results} == {"ok"}, results


def test_services_answer_like_the_real_thing(backend: DockerBackend, exercise: str) -> None:
    portal = address(exercise, "ottawa", "portal", "dmz")
    ns = address(exercise, "ottawa", "ns", "dmz")
    ais = address(exercise, "ottawa", "ais", "dmz")

    page = backend.exec(exercise, "ottawa", "scorebot", ["curl", "-s", f"http://{portal}/"])
    assert "<h1>Arctic Sentinel</h1>" in page.output
    answer = backend.exec(exercise, "ottawa", "scorebot",
                          ["dig", "+short", f"@{ns}", "portal.arctic.lan"])
    assert answer.output.split() == [portal]
    feed = backend.exec(exercise, "ottawa", "scorebot",
                        ["sh", "-c", f"timeout 3 nc {ais} 10110 | head -n 24"])
    lines = feed.output.splitlines()
    assert len(lines) == 24
    assert all(line.startswith("!AIVDM,1,1,,A,") for line in lines)


def test_weak_ssh_password_is_guessed_from_red(backend: DockerBackend, exercise: str,
                                              secrets: dict[str, dict[str, str]]) -> None:
    workstation = address(exercise, "tallinn", "workstation", "internal")
    result = backend.exec(exercise, "tallinn", "red", [
        "hydra", "-l", "operator", "-P", "/usr/share/rangectl/wordlists/weak-passwords.txt",
        "-t", "8", "-f", "-I", f"ssh://{workstation}"], timeout=240)
    assert f"password: {secrets['tallinn']['operator_password']}" in result.output


def test_web_command_injection_runs_a_command(backend: DockerBackend, exercise: str) -> None:
    portal = address(exercise, "ottawa", "portal", "dmz")
    result = backend.exec(exercise, "ottawa", "red", [
        "curl", "-s", "--get", "--data-urlencode", "host=127.0.0.1;id",
        f"http://{portal}/diagnostics/ping"])
    assert "uid=0(root)" in result.output


def test_exposed_admin_service_and_readable_secrets(backend: DockerBackend, exercise: str,
                                                    secrets: dict[str, dict[str, str]]) -> None:
    historian = address(exercise, "ottawa", "historian", "ot")
    tamper = backend.exec(exercise, "ottawa", "red", [
        "curl", "-s", "-X", "POST", "-d", "sensor=buoy-7&value=99",
        f"http://{historian}:9000/admin/readings"])
    assert json.loads(tamper.output) == {"status": "accepted", "sensor": "buoy-7"}
    leaked = backend.exec(exercise, "ottawa", "workstation", [
        "su", "nobody", "-s", "/bin/sh", "-c", "cat /srv/shared/credentials.txt"])
    assert secrets["ottawa"]["historian_token"] in leaked.output


def test_each_team_has_its_own_secrets(exercise: str,
                                       secrets: dict[str, dict[str, str]]) -> None:
    path = secrets_path(ExerciseState(exercise))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert set(secrets) == {"ottawa", "tallinn"}
    for name in secrets["ottawa"]:
        assert secrets["ottawa"][name] != secrets["tallinn"][name], name


def test_second_up_changes_nothing_and_prints_no_secret(
    exercise: str, secrets: dict[str, dict[str, str]]
) -> None:
    result = rangectl("up", str(FLAGSHIP), "--exercise", exercise, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "18 unchanged" in result.stderr
    assert result.stderr.count(", 0 changed; ready") == 2, result.stderr
    for values in secrets.values():
        for value in values.values():
            assert value not in result.stderr + result.stdout


def test_ansible_events_reach_the_event_store(exercise: str) -> None:
    store = EventStore(ExerciseState(exercise).events_path)
    try:
        tasks = list(store.read("host.task_finished"))
        ready = [event.team or "" for event in store.read("team.ready")]
    finally:
        store.close()
    assert {event.team for event in tasks} == {"ottawa", "tallinn"}
    assert any(event.host == "portal" and event.data["task"] == "Publish the portal's front page"
               for event in tasks)
    assert sorted(set(ready)) == ["ottawa", "tallinn"]


def test_every_step_of_up_is_recorded_with_its_time(exercise: str) -> None:
    store = EventStore(ExerciseState(exercise).events_path)
    try:
        steps = [event.data for event in store.read(UpStepCompleted.kind)]
    finally:
        store.close()
    # the first `up`, and the second of test_second_up_changes_nothing when it ran first
    assert [step["step"] for step in steps][:len(UP_STEPS)] == list(UP_STEPS)
    assert len(steps) % len(UP_STEPS) == 0
    first = {step["step"]: step["seconds"] for step in steps[:len(UP_STEPS)]}
    assert first["deploy"] > 0
    assert first["provision"] > first["plan"]


def test_a_failing_task_names_team_host_and_task(backend: DockerBackend,
                                                 tmp_path_factory: pytest.TempPathFactory) -> None:
    scenario = tmp_path_factory.mktemp("bad") / "bad.yml"
    scenario.write_text((FIXTURES / "valid" / "minimal.yml").read_text(encoding="utf-8").replace(
        "  - name: files\n", "  - name: files\n    roles:\n"
        "      - {name: workstation, vars: {users: ['not a user!']}}\n"), encoding="utf-8")
    exercise = unique_exercise("bad")
    try:
        result = rangectl("up", str(scenario), "--exercise", exercise, "--teams", "ottawa",
                          timeout=600)
        assert result.returncode == 1
        assert "team 'ottawa', host 'files', task 'Create the users'" in result.stderr
        assert "Traceback" not in result.stderr
        store = EventStore(ExerciseState(exercise).events_path)
        try:
            completed = [event.data["step"] for event in store.read(UpStepCompleted.kind)]
            failed = [event.data for event in store.read(UpStepFailed.kind)]
        finally:
            store.close()
        assert completed == ["images", "plan", "deploy"]
        assert [step["step"] for step in failed] == ["provision"]
        assert "task 'Create the users'" in failed[0]["error"]
    finally:
        down = rangectl("down", "--purge", "--exercise", exercise)
        assert down.returncode == 0
        assert "removed 5 containers" in down.stderr
