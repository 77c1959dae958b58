"""The bastion's incident spool: neither a way to root nor a way to break scoring.

A trainee owns what they write into the spool. The engine's reader runs as an
unprivileged user, never follows or waits on what it finds, reads a bounded
amount, and archives by the name it read; the engine records every file as a
report or as a rejection with its reason. First the reader and the collector
on a local spool (fast, no Docker), then a real quickstart range's bastions
through a whole `rangectl run`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from orchestrator.events.kinds import IncidentReported
from orchestrator.events.store import EventStore
from orchestrator.exercise.incidents import incident_collector
from orchestrator.runtime.docker.backend import DockerBackend
from tests.conftest import SCENARIOS
from tests.e2e.cli import rangectl
from tests.integration.conftest import deployed, events, running, unique_exercise, wait_for_event

SPOOL = "/var/spool/rangectl/incidents"
GOOD = '{"host": "files", "technique": "T1110.001", "summary": "ssh password guessing"}'
# Hostile files, planted by a trainee, and why each must be refused.
PLANTS = f"""
set -e
cd {SPOOL}
ln -s /etc/shadow link.json
mkfifo -m 644 fifo.json
head -c 1048576 /dev/zero > huge.json
python3 -c 'print("[" * 15000 + "]" * 15000)' > deep.json
echo '{{"host": "files", "technique": "T1110.001", "indicators": 5}}' > typed.json
echo '{{"host": "files", "technique": "T1110.001", "team": "ottawa"}}' > team.json
echo '{{"host": "files", "technique": "T1110.001", "t": 0}}' > t.json
echo '{{"host": "files", "technique": "T1110.001", "kind": "penalty.applied"}}' > kind.json
echo '{GOOD}' > private.json && chmod 600 private.json
"""
REFUSED = {  # file -> how its reason starts
    "link.json": "a symbolic link, not a file",
    "fifo.json": "a FIFO, not a file",
    "huge.json": "larger than 32768 bytes",
    "deep.json": "nested too deeply to be a report",
    "typed.json": "'indicators' must be a list of strings, not a number",
    "team.json": "unknown key 'team'",
    "t.json": "unknown key 't'",
    "kind.json": "unknown key 'kind'",
}


def assert_reasons(found: dict[str, object], expected: dict[str, str]) -> None:
    assert sorted(found) == sorted(expected)
    for file, reason in expected.items():
        assert str(found[file]).startswith(reason), (file, found[file])


class LocalSession:
    """The reader as a local process on a temporary spool (the bastion's paths aside)."""

    def __init__(self, command: Sequence[str], spool: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, *command[1:], str(spool / "incidents"), str(spool / "archive")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def request(self, line: str, timeout: float) -> str:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline()

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)


class LocalSpool:
    """A backend whose bastion is a spool folder on this machine."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.users: list[str | None] = []

    def open_session(self, exercise: str, team: str, host: str, command: Sequence[str],
                     user: str | None = None) -> LocalSession:
        self.users.append(user)
        return LocalSession(command, self.root)


@pytest.mark.timeout(60)
def test_the_reader_refuses_hostile_files_and_the_engine_records_why(tmp_path: Path) -> None:
    (tmp_path / "incidents").mkdir()
    (tmp_path / "archive").mkdir()
    script = PLANTS.replace(SPOOL, str(tmp_path / "incidents"))
    subprocess.run(["sh", "-c", script], check=True)
    incidents = tmp_path / "incidents"
    (incidents / "bad name.json").write_text(GOOD, encoding="utf-8")
    (incidents / "latin1.json").write_bytes(b'{"host": "files", "summary": "\xe9"}')
    (incidents / "zz-good.json").write_text(GOOD, encoding="utf-8")
    store = EventStore(tmp_path / "events.db")
    backend = LocalSpool(tmp_path)
    collector = incident_collector(backend, "x", "tallinn", store)  # type: ignore[arg-type]
    first = collector.collect(10.0)  # private.json (readable by root) and zz-good.json
    assert sum(isinstance(event, IncidentReported) for event in first) == 2
    assert collector.collect(20.0) == []  # archived, not recorded twice
    collector.process.close()
    assert backend.users == ["rangectl-spool"]
    rejected = {e.data["file"]: e.data["reason"] for e in store.read("incident.rejected")}
    assert_reasons(rejected, {**REFUSED, "latin1.json": "not UTF-8 text",
                              "bad name.json": "the file name is not NAME.json"})
    reported = [(e.team, e.host, e.data["id"], e.data["t"])
                for e in store.read("incident.reported")]
    assert reported == [("tallinn", "files", "private", 10.0),
                        ("tallinn", "files", "zz-good", 10.0)]
    assert sorted(os.listdir(tmp_path / "archive")) == sorted([*rejected, "private.json",
                                                                "zz-good.json"])
    assert os.listdir(incidents) == []
    assert os.readlink(tmp_path / "archive" / "link.json") == "/etc/shadow"  # moved, unread


# -- a real range -----------------------------------------------------------------------------

# The way to root the old collector gave: its archive folder, created on first use,
# was the trainee's if the trainee made it first (here: a link to runsvdir's
# services), and it archived by the id inside a report, so naming the id of a
# directory holding a `run` script moved that directory into /etc/service.
ESCALATION = f"""
set -e
cd {SPOOL}
ln -s /etc/service done
mkdir -m 777 pwn.json
printf '#!/bin/sh\\nid -u > /tmp/spool-pwned\\nexec sleep 600\\n' > pwn.json/run
chmod 755 pwn.json/run
echo '{{"id": "pwn", "host": "files", "technique": "T1110.001"}}' > decoy.json
"""
ALLOWED_PLACES = ("/home/", "/tmp/", "/var/tmp/", "/var/spool/rangectl/", "/run/", "/dev/")


def as_trainee(backend: DockerBackend, exercise: str, team: str, script: str) -> str:
    result = backend.exec(exercise, team, "bastion", ["runuser", "-u", "blue", "--", "sh",
                                                      "-c", script], timeout=60)
    assert result.exit_code == 0, result.output
    return result.output


def as_root(backend: DockerBackend, exercise: str, team: str, script: str) -> str:
    return backend.exec(exercise, team, "bastion", ["sh", "-c", script], timeout=30).output


@pytest.fixture(scope="module")
def exercise(backend: DockerBackend) -> Iterator[str]:
    yield from deployed(backend, SCENARIOS / "quickstart.yml", unique_exercise("spool"))


@pytest.mark.docker
def test_the_spool_is_made_at_build_and_closed_to_trainees(backend: DockerBackend,
                                                           exercise: str) -> None:
    modes = as_root(backend, exercise, "ottawa", "stat -c '%n %U %a' /var/spool/rangectl "
                    f"{SPOOL} /var/spool/rangectl/archive")
    assert modes.split("\n")[:3] == [
        "/var/spool/rangectl root 755", f"{SPOOL} rangectl-spool 1733",
        "/var/spool/rangectl/archive rangectl-spool 700"]
    denied = backend.exec(exercise, "ottawa", "bastion", [
        "runuser", "-u", "blue", "--", "sh", "-c",
        f"ls {SPOOL} || ls /var/spool/rangectl/archive || touch /var/spool/rangectl/x"])
    assert denied.exit_code != 0
    assert denied.output.count("Permission denied") == 3


@pytest.mark.docker
@pytest.mark.timeout(400)
def test_hostile_spool_files_are_rejected_and_cannot_reach_root(
        backend: DockerBackend, exercise: str) -> None:
    as_trainee(backend, exercise, "tallinn", PLANTS)
    as_trainee(backend, exercise, "ottawa", ESCALATION)
    with running(exercise, "5") as process:
        wait_for_event(exercise, "inject.fired", process, inject="ssh-password-guess")
        readers = as_root(backend, exercise, "tallinn", "ps -eww -o user:20,args")
        filed = as_trainee(backend, exercise, "tallinn",
                           "incident --host files --technique T1110.001 --indicator 10.0.0.1 "
                           "--summary 'password guessing on files'")
        assert "filed" in filed
        _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    # The reader runs as the spool's own user, never as root.
    users = {line.split()[0] for line in readers.splitlines() if "rangectl/incidents" in line}
    assert users == {"rangectl-spool"}, readers
    # Every hostile file is recorded as rejected, with its reason; nothing jammed the team.
    rejected = {str(data["file"]): data["reason"] for team, data in
                events(exercise, "incident.rejected") if team == "tallinn"}
    assert_reasons(rejected, {**REFUSED, "private.json": "cannot be opened: Permission denied"})
    reported = [(team, data["technique"], data["reporter"])
                for team, data in events(exercise, "incident.reported") if team == "tallinn"]
    assert reported == [("tallinn", "T1110.001", "blue")]
    # ... and the good report filed after them is scored, the rejections shown.
    report = rangectl("report", "--exercise", exercise, "-o", "json", "--out", "-")
    assert report.returncode == 0, report.stderr
    document = json.loads(report.stdout)
    judged = [(i["team"], i["status"], i["inject"]) for i in document["incidents"]
              if i["team"] == "tallinn"]
    assert judged == [("tallinn", "detected", "ssh-password-guess")]
    assert {row["file"] for row in document["rejected"] if row["team"] == "tallinn"} \
        == set(rejected)
    # Nothing the trainee planted landed in a root-owned folder, or ran as root.
    services = as_root(backend, exercise, "ottawa", "ls /etc/service; cat /tmp/spool-pwned")
    assert "pwn.json" not in services
    assert "No such file" in services
    owned = as_root(backend, exercise, "ottawa", "find / -xdev -user blue")
    assert [path for path in owned.split() if not path.startswith(ALLOWED_PLACES)] == []
