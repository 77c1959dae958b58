"""What a range host prints cannot exhaust or stall the controller.

Before: an exec's whole output was read into the controller's memory (an
inject run `from: target` runs on a host a blue team holds, which can print
without end until the step's timeout), and an inject's `success.matches`
pattern ran with `re.search` inside the engine, where a pattern with nested
quantifiers over text the target shaped held the exercise clock for hours;
a session's timeout was per read, so a scorebot or bastion that drips its
answer one byte at a time held every team's tick; and an exec's only deadline
was the `timeout` program inside the container, which a team that is root on
its host can replace, holding an inject (and the end of the run) for ever.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from pathlib import Path

import pytest

from orchestrator.errors import RuntimeFailureError
from orchestrator.exercise.injects import MATCH_SECONDS, PatternError, judge
from orchestrator.runtime.docker.backend import DockerBackend
from orchestrator.runtime.docker.exec_output import (
    EXEC_GRACE,
    MAX_EXEC_OUTPUT,
    read_exec_output,
)


def test_a_catastrophic_pattern_is_an_error_not_a_stalled_engine() -> None:
    started = time.monotonic()
    with pytest.raises(PatternError, match="took over"):
        judge({"exit_code": None, "matches": r"^(a+)+$"}, 0, "a" * 64 + "!")
    assert time.monotonic() - started < MATCH_SECONDS + 3  # killed, not waited for


def test_patterns_still_judge_an_attack() -> None:
    assert judge({"exit_code": 0, "matches": r"login:\s+admin"}, 0, "[22][ssh] login: admin")
    assert not judge({"exit_code": 0, "matches": r"login:\s+admin"}, 0, "0 valid passwords")
    assert not judge({"exit_code": 0, "matches": "x"}, 1, "x")  # exit code first


def frames(payload: bytes, count: int) -> bytes:
    """`count` frames of Docker's attached-exec stream (stdout), each holding `payload`."""
    return (struct.pack(">BxxxL", 1, len(payload)) + payload) * count


def test_an_exec_stream_is_read_to_its_end_in_bounded_memory() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        def write() -> None:
            theirs.sendall(frames(b"x" * 65536, 64))  # 4 MiB
            theirs.sendall(frames(b"END", 1))
            theirs.shutdown(socket.SHUT_WR)

        writer = threading.Thread(target=write)
        writer.start()
        output, ended = read_exec_output(ours, time.monotonic() + 30, 1024 * 1024)
        writer.join()
    assert ended
    assert len(output) == 1024 * 1024
    assert output.endswith(b"xEND")


def test_an_exec_stream_that_never_ends_is_abandoned_at_its_deadline() -> None:
    ours, theirs = socket.socketpair()
    with ours, theirs:
        stop = threading.Event()

        def drip() -> None:  # a byte every 0.2 s: each read is well inside any timeout
            while not stop.is_set():
                theirs.sendall(frames(b".", 1))
                time.sleep(0.2)

        threading.Thread(target=drip, daemon=True).start()
        started = time.monotonic()
        output, ended = read_exec_output(ours, started + 1.5, 1024)
        stop.set()
    assert not ended
    assert output.startswith(b".")
    assert time.monotonic() - started < 3


@pytest.mark.docker
def test_a_range_host_printing_without_end_costs_one_mib(
        backend: DockerBackend, hostile_range: tuple[str, Path]) -> None:
    exercise, _ = hostile_range
    result = backend.exec(exercise, "ottawa", "files",
                          ["sh", "-c", "head -c 50000000 /dev/zero | tr '\\0' x; echo END"],
                          timeout=60)
    assert result.exit_code == 0
    assert len(result.output) == MAX_EXEC_OUTPUT
    assert result.output.endswith("xEND\n")


DRIP = ("import sys, time\n"
        "sys.stdin.readline()\n"
        "while True:\n"
        "    sys.stdout.write('x'); sys.stdout.flush(); time.sleep(0.3)\n")


@pytest.mark.docker
def test_a_range_host_dripping_its_answer_cannot_hold_a_tick(
        backend: DockerBackend, hostile_range: tuple[str, Path]) -> None:
    exercise, _ = hostile_range
    session = backend.open_session(exercise, "ottawa", "files", ["python3", "-c", DRIP])
    started = time.monotonic()
    try:
        with pytest.raises(RuntimeFailureError, match="no whole answer within 2s"):
            session.request("go", timeout=2)
        assert time.monotonic() - started < 5  # its deadline, not the 16 MiB cap
    finally:
        closing = time.monotonic()
        session.close()  # the process writes for ever: closing must still end
    assert time.monotonic() - closing < 15


FAKE_TIMEOUT = "#!/bin/sh\nwhile :; do printf .; sleep 1; done\n"


def raw_exec(backend: DockerBackend, exercise: str, host: str, script: str) -> None:
    """Run `script` on a host without rangectl's `timeout` wrapper (which the test breaks)."""
    container = backend.api.containers(filters={"label": [f"rangectl.exercise={exercise}",
                                                          f"rangectl.host={host}"]})[0]["Id"]
    created = backend.api.exec_create(container, ["sh", "-c", script])
    backend.api.exec_start(created["Id"])


@pytest.mark.docker
def test_a_host_whose_timeout_never_ends_cannot_hold_the_controller(
        backend: DockerBackend, hostile_range: tuple[str, Path]) -> None:
    exercise, _ = hostile_range
    raw_exec(backend, exercise, "files", "cp /usr/bin/timeout /usr/bin/timeout.real && "
             f"printf '{FAKE_TIMEOUT}' > /usr/bin/timeout")
    try:
        started = time.monotonic()
        with pytest.raises(RuntimeFailureError, match="did not end within"):
            backend.exec(exercise, "ottawa", "files", ["cat", "/etc/hostname"], timeout=2)
        assert time.monotonic() - started < 2 + EXEC_GRACE + 3
    finally:
        raw_exec(backend, exercise, "files", "mv /usr/bin/timeout.real /usr/bin/timeout")
    assert backend.exec(exercise, "ottawa", "files", ["true"], timeout=10).exit_code == 0
