"""What a range host prints cannot exhaust or stall the controller.

Before: an exec's whole output was read into the controller's memory (an
inject run `from: target` runs on a host a blue team holds, which can print
without end until the step's timeout), and an inject's `success.matches`
pattern ran with `re.search` inside the engine, where a pattern with nested
quantifiers over text the target shaped held the exercise clock for hours;
and a session's timeout was per read, so a scorebot or bastion that drips its
answer one byte at a time held every team's tick.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from orchestrator.errors import RuntimeFailureError
from orchestrator.exercise.injects import MATCH_SECONDS, PatternError, judge
from orchestrator.runtime.docker.backend import MAX_EXEC_OUTPUT, DockerBackend, bounded_tail


def test_a_catastrophic_pattern_is_an_error_not_a_stalled_engine() -> None:
    started = time.monotonic()
    with pytest.raises(PatternError, match="took over"):
        judge({"exit_code": None, "matches": r"^(a+)+$"}, 0, "a" * 64 + "!")
    assert time.monotonic() - started < MATCH_SECONDS + 3  # killed, not waited for


def test_patterns_still_judge_an_attack() -> None:
    assert judge({"exit_code": 0, "matches": r"login:\s+admin"}, 0, "[22][ssh] login: admin")
    assert not judge({"exit_code": 0, "matches": r"login:\s+admin"}, 0, "0 valid passwords")
    assert not judge({"exit_code": 0, "matches": "x"}, 1, "x")  # exit code first


def test_bounded_tail_keeps_the_end_of_an_endless_stream() -> None:
    chunks = (bytes([65 + n % 26]) * 65536 for n in range(400))  # 25 MiB
    tail = bounded_tail(chunks, 1024 * 1024)
    assert len(tail) == 1024 * 1024
    assert tail.endswith(bytes([65 + 399 % 26]) * 65536)


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
