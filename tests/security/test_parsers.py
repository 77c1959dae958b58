"""Parsers of what trainees and range hosts control: sshd's log, services' answers, the runner.

Before: the sshd log patterns were unanchored, so a user name such as
`Accepted publickey for instructor from ...` recorded a login (and sshd,
logging to standard error, wrote a user name's newlines as they came, so one
attempt could write a whole forged line); a log line split at a carriage
return in a user name became the reader's cursor and broke it for good. A
service answering `HTTP/1.0 ²00`, resetting the connection, or sending an SSH
key exchange an SSH library chokes on was the checker's `error`, which earns
full points. Whatever the runner answered as a result was stored. Secrets
quoted in check details (`... lacks 'FLAG{...}'`) went into the ledger and
every report, and the baseline gate passed SSH passwords on the scorebot's
command line.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import paramiko
import pytest
import yaml

from orchestrator.access.logins import collect_logins
from orchestrator.agents.check_runner import run_all
from orchestrator.cli.common import load
from orchestrator.events.store import Event, EventStore
from orchestrator.exercise.clock import SimulatedClock
from orchestrator.exercise.engine import ExerciseEngine
from orchestrator.plan import Plan, plan_loaded
from orchestrator.runtime.backend import ExecResult, RangeBackend
from orchestrator.runtime.docker.backend import DockerBackend
from orchestrator.scorebot import CheckResult, run_checks
from orchestrator.state import ExerciseState
from tests.conftest import SCENARIOS
from tests.e2e.cli import rangectl
from tests.tcp_service import service
from tests.unit.exercise.test_engine import HealthyRange, LineSession

# -- sshd's log on the bastion ------------------------------------------------

HOSTILE_NAMES = [
    "Accepted publickey for instructor from 10.9.9.9 port 22 ssh2",
    "blue from 10.9.9.9 port 22 ssh2: ED25519 SHA256:forged",
    # sshd escapes a newline when it logs through syslog; the relay keeps it escaped
    "x\\nsshd[1]: Accepted publickey for instructor from 10.9.9.9 port 22 ssh2",
]


class BastionLog:
    """A stand-in engine whose bastion log holds the given lines, one batch per read."""

    def __init__(self, *batches: list[tuple[str, str]]) -> None:
        self.batches = list(batches)

    def host_logs(self, exercise: str, team: str, host: str,
                  since: float | None = None) -> list[tuple[str, str]]:
        return self.batches.pop(0) if self.batches else []


def at(second: int) -> str:
    return f"2026-11-24T14:00:{second:02d}.123456789Z"


def logins(tmp_path: Path, *batches: list[tuple[str, str]]) -> list[Event]:
    store = EventStore(tmp_path / "events.db")
    backend = cast(RangeBackend, BastionLog(*batches))
    for _ in batches:
        collect_logins(backend, "ex", ["ottawa"], store)
    return list(store.read("trainee."))


def test_hostile_user_names_are_refusals_never_logins(tmp_path: Path) -> None:
    lines = []
    for index, name in enumerate(HOSTILE_NAMES):
        pid, port = 100 + index, 40000 + index
        lines += [
            (at(index), f"sshd[{pid}]: Invalid user {name} from 172.18.0.1 port {port}"),
            (at(index), f"sshd[{pid}]: Failed password for invalid user {name} from "
                        f"172.18.0.1 port {port} ssh2"),
            (at(index), f"sshd[{pid}]: Connection closed by invalid user {name} 172.18.0.1 "
                        f"port {port} [preauth]")]
    events = logins(tmp_path, lines)
    assert [e.data for e in events if e.kind == "trainee.logged_in"] == []
    assert [(e.data["user"], e.data["source"], e.data["port"]) for e in events] == [
        (name, "172.18.0.1", str(40000 + index)) for index, name in enumerate(HOSTILE_NAMES)]


def test_only_sshd_s_own_whole_lines_are_read(tmp_path: Path) -> None:
    events = logins(tmp_path, [
        (at(1), "sshd[7]: Accepted publickey for blue from 172.18.0.1 port 50001 ssh2: "
                "ED25519 SHA256:1o3MsSuhiaMEIpc2bVNUrCGrxHWOvL5S+XwbUtHG7Uw"),
        (at(2), "sshd[8]: Failed password for alice from 172.18.0.1 port 50002 ssh2"),
        (at(3), "sshd[9]: Connection closed by authenticating user blue 172.18.0.1 "
                "port 50003 [preauth]"),
        # not written by sshd through the relay: another program's output
        (at(4), "Accepted publickey for instructor from 10.9.9.9 port 22 ssh2"),
        (at(5), "runsv: Accepted publickey for instructor from 10.9.9.9 port 22 ssh2"),
    ])
    assert [(e.kind, e.data["user"], e.data.get("method") or e.data["reason"], e.data["port"])
            for e in events] == [
        ("trainee.logged_in", "blue", "publickey", "50001"),
        ("trainee.login_refused", "alice", "password refused", "50002"),
        ("trainee.login_refused", "blue", "no accepted key", "50003")]


def test_a_line_without_a_time_does_not_stop_the_reading(tmp_path: Path) -> None:
    first = [(at(1), "sshd[7]: Invalid user x from 172.18.0.1 port 50001"),
             ("Zebra", "sshd[7]: what a log split at a carriage return left")]
    later = [(at(9), "sshd[8]: Accepted publickey for blue from 172.18.0.1 port 50002 ssh2")]
    events = logins(tmp_path, first, later)
    assert [(e.kind, e.data["user"]) for e in events] == [
        ("trainee.login_refused", "x"), ("trainee.logged_in", "blue")]


@pytest.mark.docker
def test_a_real_bastion_records_hostile_user_names_as_refusals(
        backend: DockerBackend, hostile_range: tuple[str, Path], tmp_path: Path) -> None:
    exercise, _ = hostile_range
    port = ExerciseState(exercise).load_record().bastion_ports["ottawa"]
    wire_names = ["Accepted publickey for instructor from 10.9.9.9 port 22 ssh2",
                  "a\r\nAccepted publickey for instructor from 10.9.9.9 port 22 ssh2\r\nb",
                  "x\rZebra"]
    for name in wire_names:
        with paramiko.Transport(("127.0.0.1", port)) as transport:
            transport.start_client(timeout=20)
            with pytest.raises(paramiko.SSHException):
                transport.auth_none(name)
    kit = rangectl("access", "ottawa", "--out", str(tmp_path / "kit"), "--exercise", exercise)
    assert kit.returncode == 0, kit.stderr
    key = paramiko.Ed25519Key.from_private_key_file(str(tmp_path / "kit" / "id_ed25519"))
    with paramiko.Transport(("127.0.0.1", port)) as transport:
        transport.start_client(timeout=20)
        transport.auth_publickey("blue", key)
    result = rangectl("logins", "--exercise", exercise, "--team", "ottawa", "-o", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {row["user"] for row in rows if row["result"] == "logged in"} == {"blue"}
    refused = [row["user"] for row in rows if row["result"] == "refused"]
    assert wire_names[0] in refused
    assert any("Accepted publickey for instructor" in user and user.startswith("a\\r\\n")
               for user in refused)  # one line, as sshd escaped it


# -- the check runner's verdict on what a service answers ---------------------

def superscript_status(connection: socket.socket) -> None:
    connection.recv(4096)
    connection.sendall("HTTP/1.0 ²00 OK\r\nContent-Length: 15\r\n\r\nArctic Sentinel".encode())


def reset_after_request(connection: socket.socket) -> None:
    connection.recv(4096)
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def ssh_with_undecodable_key_exchange(connection: socket.socket) -> None:
    body = b"\x14" + b"\x00" * 16 + struct.pack(">I", 4) + b"\xff\xfe\xfd\xfc" + b"\x00" * 40
    padding = 8 - (len(body) + 5) % 8 + 8
    connection.sendall(b"SSH-2.0-OpenSSH_9.2\r\n" + struct.pack(">IB", len(body) + padding + 1,
                                                                padding) + body + bytes(padding))
    connection.recv(65536)


def verdicts(*checks: dict[str, Any]) -> list[tuple[str, str]]:
    results = asyncio.run(run_all([{"address": "127.0.0.1", "timeout": 3, **c} for c in checks]))
    return [(r["result"], r["detail"]) for r in results]


def test_a_service_s_malformed_answer_is_degraded_not_a_paid_error() -> None:
    with service(superscript_status) as superscript, service(reset_after_request) as reset, \
            service(ssh_with_undecodable_key_exchange) as ssh:
        found = verdicts(
            {"type": "http", "port": superscript, "contains": "Arctic"},
            {"type": "http", "port": reset},
            {"type": "ssh", "port": ssh, "user": "admin", "password": "x"})
    assert [result for result, _ in found] == ["degraded", "degraded", "degraded"], found
    assert "not an HTTP answer" in found[0][1]
    assert "ConnectionResetError" in found[1][1]
    assert "UnicodeDecodeError" in found[2][1]


def test_the_checker_s_own_failure_is_still_error() -> None:
    with service(superscript_status) as port:
        found = verdicts({"type": "http", "port": port, "status": "two hundred"},
                         {"type": "ssh", "port": port},  # no user: a bad spec
                         {"type": "carrier-pigeon", "port": port})
    assert [result for result, _ in found] == ["error", "error", "error"], found


# -- the runner's reply, read by the controller -------------------------------

SECRETS = {"ottawa": {"admin_password": "hunter2ottawa", "flag": "FLAG{0ttawa5ecret}"},
           "tallinn": {"admin_password": "hunter2tallinn", "flag": "FLAG{7allinn5ecret}"}}


def scenario_with_secret_checks(tmp_path: Path) -> Plan:
    """The quickstart, with a flag on the web page and an SSH login as checks."""
    scenario: dict[str, Any] = yaml.safe_load((SCENARIOS / "quickstart.yml").read_text())
    scenario["secrets"].append({"name": "flag", "kind": "flag"})
    web, files = scenario["hosts"]
    web["services"][0]["check"]["contains"] = "{{ secrets.flag }}"
    files["services"][0]["check"] = {"type": "ssh", "user": "admin",
                                     "password_secret": "admin_password"}
    path = tmp_path / "secret-checks.yml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")
    return plan_loaded(load(path), exercise="parsers-test")


class Scorebot:
    """A stand-in engine whose scorebot answers each request with `answer(checks)`."""

    def __init__(self, answer: Callable[[list[dict[str, Any]]], str]) -> None:
        self.answer = answer
        self.command_lines: list[list[str]] = []
        self.stdin: list[str] = []

    def exec(self, exercise: str, team: str, host: str, command: Sequence[str],
             timeout: float = 60) -> ExecResult:
        self.command_lines.append(list(command))
        return ExecResult(0, self.answer(json.loads(command[-1])["checks"]))

    def open_session(self, exercise: str, team: str, host: str,
                     command: Sequence[str], user: str | None = None) -> LineSession:
        self.command_lines.append(list(command))

        def request(line: str) -> str:
            self.stdin.append(line)
            return self.answer(json.loads(line)["checks"])
        return LineSession(request)


def answers(*results: Any) -> Callable[[list[dict[str, Any]]], str]:
    return lambda checks: json.dumps({"results": [
        {"id": check["id"], "result": result, "detail": "", "elapsed": 0.01}
        for check, result in zip(checks, results, strict=False)]})


def test_the_gate_sends_ssh_passwords_on_stdin_not_the_command_line(tmp_path: Path) -> None:
    team = scenario_with_secret_checks(tmp_path).team("ottawa")
    scorebot = Scorebot(answers("ok", "ok"))
    results = run_checks(cast(RangeBackend, scorebot), "parsers-test", team, SECRETS["ottawa"])
    assert [r.result for r in results] == ["ok", "ok"]
    argv = json.dumps(scorebot.command_lines)
    for value in SECRETS["ottawa"].values():
        assert value not in argv, "a secret on the scorebot's command line"
    assert SECRETS["ottawa"]["admin_password"] in "".join(scorebot.stdin)


def test_a_result_the_runner_should_not_give_is_an_error_never_stored(tmp_path: Path) -> None:
    team = scenario_with_secret_checks(tmp_path).team("ottawa")
    for bogus in ("OK", "<script>alert(1)</script>", 1, None):
        scorebot = Scorebot(answers(bogus, "degraded"))
        first, second = run_checks(cast(RangeBackend, scorebot), "parsers-test", team, {})
        assert (first.result, second.result) == ("error", "degraded")
        assert isinstance(first.result, CheckResult)
        assert "none of ok, degraded, down, error" in first.detail
        assert str(bogus) not in first.detail


class QuotingRange(HealthyRange):
    """A healthy range whose checks quote what they looked for, as real details do;
    from tick 5 on, the runner crashes and prints the password it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0

    def exec(self, exercise: str, team: str, host: str, command: Sequence[str],
             timeout: float = 60) -> ExecResult:
        if host != "scorebot":
            return super().exec(exercise, team, host, command, timeout)
        checks = json.loads(command[-1])["checks"]
        if not checks:  # the runner's warm-up, before the clock starts
            return ExecResult(0, json.dumps({"results": []}))
        self.requests += 1
        if self.requests > 10:
            return ExecResult(1, f"Traceback: bad password {checks[1]['password']!r}")
        return ExecResult(0, json.dumps({"results": [
            {"id": checks[0]["id"], "result": "degraded", "elapsed": 0.01,
             "detail": f"status 200 but the page lacks {checks[0]['contains']!r}"},
            {"id": checks[1]["id"], "result": "degraded", "elapsed": 0.01,
             "detail": f"login as admin with {checks[1]['password']} refused"}]}))


def test_no_secret_reaches_a_check_completed_event(tmp_path: Path) -> None:
    plan = scenario_with_secret_checks(tmp_path)
    store = EventStore(tmp_path / "events.db")
    engine = ExerciseEngine(cast(RangeBackend, QuotingRange()), plan, SECRETS, store,
                            SimulatedClock())
    assert engine.run(threading.Event())
    details = [(e.data["result"], e.data["detail"]) for e in store.read("check.completed")]
    assert {result for result, _ in details} == {"degraded", "error"}
    recorded = json.dumps(details)
    for team in SECRETS.values():
        for value in team.values():
            assert value not in recorded
    assert "the page lacks '<secret:flag>'" in recorded
    assert "login as admin with <secret:admin_password> refused" in recorded
    assert "bad password '<secret:admin_password>'" in recorded
