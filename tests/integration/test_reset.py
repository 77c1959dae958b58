"""Resets and snapshots on a real quickstart range: a wrecked host put back mid-run.

One range for the module (an `up` is the costly part); the snapshot test runs
first and the run test forgets its events before it starts its clock.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrator.events.store import Event, EventStore
from orchestrator.runtime.docker.backend import DockerBackend
from orchestrator.state import ExerciseState
from tests.conftest import SCENARIOS
from tests.e2e.cli import RANGECTL, rangectl
from tests.integration.conftest import deployed, running, unique_exercise, wait_for_event

pytestmark = pytest.mark.docker

PENALTY = 7
WRECK = "rm -f /usr/sbin/nginx && sv down nginx; pkill nginx; true"  # http is gone for good


@pytest.fixture(scope="module")
def exercise(backend: DockerBackend, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Quickstart, with resets charged by the scenario."""
    text = (SCENARIOS / "quickstart.yml").read_text(encoding="utf-8")
    text += f"\nscoring:\n  penalties:\n    - {{rule: host_reset, points: {PENALTY}}}\n"
    path = tmp_path_factory.mktemp("reset") / "quickstart-reset.yml"
    path.write_text(text, encoding="utf-8")
    name = unique_exercise("reset")
    yield from deployed(backend, path, name)
    leftover = subprocess.run(["docker", "images", "-q", "--filter",
                               f"label=rangectl.exercise={name}"],
                              capture_output=True, text=True, check=True).stdout.split()
    assert leftover == [], "down left the exercise's snapshot images behind"


@pytest.fixture(scope="module")
def kit(exercise: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("kit")
    result = rangectl("access", "ottawa", "--out", str(directory), "--exercise", exercise)
    assert result.returncode == 0, result.stderr
    return directory


def ssh(kit: Path, host: str, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ssh", "-F", str(kit / "ssh_config"), "-o", "BatchMode=yes", host,
                           command], capture_output=True, text=True, timeout=60, check=False)


def read(exercise: str, prefix: str) -> list[Event]:
    store = EventStore(ExerciseState(exercise).events_path)
    try:
        return list(store.read(prefix))
    finally:
        store.close()


def test_a_snapshot_is_taken_and_returned_to(exercise: str, kit: Path,
                                             backend: DockerBackend) -> None:
    def on_files(command: str) -> str:
        result = backend.exec(exercise, "ottawa", "files", ["sh", "-c", command])
        assert result.exit_code == 0, result.output
        return result.output.strip()

    on_files("echo hardened > /root/marker")
    taken = rangectl("snapshot", "ottawa", "files", "hardened", "--exercise", exercise)
    assert taken.returncode == 0, taken.stderr
    listed = rangectl("snapshot", "ottawa", "files", "--list", "--exercise", exercise)
    assert listed.stdout.split() == ["hardened"]
    on_files("rm /root/marker && touch /root/mistake")
    back = rangectl("reset", "ottawa", "files", "--to", "hardened", "--exercise", exercise)
    assert back.returncode == 0, back.stderr
    assert on_files("cat /root/marker; ls /root") == "hardened\nmarker"
    fresh = rangectl("reset", "ottawa", "files", "--reason", "start over", "--snapshot",
                     "before-start-over", "--exercise", exercise)
    assert fresh.returncode == 0, fresh.stderr
    assert on_files("ls /root") == ""  # the planned image, configured again
    kept = rangectl("snapshot", "ottawa", "files", "--list", "--exercise", exercise)
    assert kept.stdout.split() == ["before-start-over", "hardened"]  # saved before the reset
    # The kit's pinned host key still holds: the reset host kept its SSH host keys.
    login = ssh(kit, "files", "hostname")
    assert login.returncode == 0, login.stderr
    assert login.stdout.strip() == "files"
    kinds = Counter(event.kind for event in read(exercise, "host."))
    assert kinds["host.snapshot_taken"] == 2
    assert kinds["host.reset_started"] == kinds["host.reset_finished"] == 2


def test_what_cannot_be_reset_is_refused_with_the_reason(exercise: str) -> None:
    own = rangectl("reset", "ottawa", "red", "--exercise", exercise)
    assert own.returncode == 2
    assert "one of rangectl's own hosts" in own.stderr
    assert "Traceback" not in own.stderr
    missing = rangectl("reset", "ottawa", "files", "--to", "never-taken", "--exercise", exercise)
    assert missing.returncode == 2
    assert "no snapshot 'never-taken'" in missing.stderr
    same = rangectl("reset", "ottawa", "files", "--to", "hardened", "--snapshot", "hardened",
                    "--exercise", exercise)
    assert same.returncode == 2
    assert "would replace the snapshot --to returns to" in same.stderr
    bad = rangectl("snapshot", "ottawa", "files", "Not A Name", "--exercise", exercise)
    assert bad.returncode == 2
    assert "not a snapshot name" in bad.stderr
    scenario = Path(ExerciseState(exercise).load_record().scenario_path)
    text = scenario.read_text(encoding="utf-8")
    scenario.write_text(text.replace("title: Quickstart", "title: Quickstart, edited"),
                        encoding="utf-8")
    try:
        edited = rangectl("reset", "ottawa", "web", "--exercise", exercise)
    finally:
        scenario.write_text(text, encoding="utf-8")
    assert edited.returncode == 2
    assert "has changed since `rangectl up` read it" in edited.stderr
    other = rangectl("reset", "nowhere", "web", "--exercise", exercise)
    assert other.returncode == 2
    assert "no team 'nowhere'" in other.stderr


def test_a_wrecked_host_is_reset_mid_run_and_charged(exercise: str, kit: Path,
                                                     backend: DockerBackend,
                                                     tmp_path: Path) -> None:
    path = ExerciseState(exercise).events_path
    for suffix in ("", "-wal", "-shm"):  # forget the snapshot test's resets
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    with running(exercise, "3") as process:
        wait_for_event(exercise, "tick.completed", process, tick=0)
        for team in ("ottawa", "tallinn"):
            wrecked = backend.exec(exercise, team, "web", ["sh", "-c", WRECK])
            assert wrecked.exit_code == 0, wrecked.output
        wait_for_event(exercise, "tick.completed", process, tick=1)
        # Ottawa's trainee asks from the bastion; Tallinn's is put back by the white cell.
        asked = ssh(kit, "bastion", "reset web --reason 'portal wrecked by our patch'")
        assert asked.returncode == 0, asked.stderr
        assert "requested" in asked.stdout
        # A request written by hand that names another team is refused, never done.
        forged = ssh(kit, "bastion", """printf '{"host": "web", "team": "tallinn"}' \
                     > /var/spool/rangectl/requests/forged.json""")
        assert forged.returncode == 0, forged.stderr
        white = subprocess.Popen(
            [str(RANGECTL), "reset", "tallinn", "web", "--reason", "nginx binary deleted",
             "--exercise", exercise], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _, white_err = white.communicate(timeout=120)
        assert white.returncode == 0, white_err
        assert "is back, its checks pass" in white_err
        _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr

    resets = {(e.team, e.host): e.data for e in read(exercise, "host.reset_finished")}
    assert set(resets) == {("ottawa", "web"), ("tallinn", "web")}
    assert all(data["ok"] for data in resets.values()), resets
    refused = [(e.team, e.data["file"], e.data["reason"], e.data["by"])
               for e in read(exercise, "host.reset_refused")]
    assert refused == [("ottawa", "forged.json", "unknown key 'team' (a request has host, "
                        "reason, to)", "trainee:blue")]
    started = {e.team: e.data for e in read(exercise, "host.reset_started")}
    assert started["ottawa"]["by"] == "trainee:blue"
    assert started["tallinn"]["by"] == "white-cell"
    assert all(0 < float(data["t"]) < 90 for data in started.values())  # on the clock
    for team in ("ottawa", "tallinn"):
        web = [e.data["result"] for e in read(exercise, "check.completed")
               if e.team == team and e.host == "web"]
        assert len(web) == 10
        assert "down" in web
        assert web[-1] == "ok", (team, web)  # the outage, then back
    fired = Counter((e.team, e.data["inject"]) for e in read(exercise, "inject.fired"))
    assert set(fired.values()) == {1}
    assert len(fired) == 4  # none re-fired by a reset

    report = rangectl("report", "--exercise", exercise, "-o", "json", "--out", "-")
    assert report.returncode == 0, report.stderr
    document = json.loads(report.stdout)
    charged = [line for line in document["ledger"] if line["subject"] == "host_reset"]
    assert sorted((line["team"], line["raw"]) for line in charged) == [
        ("ottawa", -PENALTY), ("tallinn", -PENALTY)]
    assert any("portal wrecked by our patch" in line["reason"] for line in charged)
    outages = [line for line in document["ledger"] if line["category"] == "availability"
               and line["subject"] == "web/http" and line["raw"] == 0]
    assert len(outages) >= 2, "the outage during the reset is in the ledger, for each team"
    assert {item["host"] for item in document["resets"]} == {"web"}
    html = rangectl("report", "--exercise", exercise, "--out", str(tmp_path / "report.html"))
    assert html.returncode == 0, html.stderr
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.count('class="reset-marker"') == 2
    assert "nginx binary deleted" in page
