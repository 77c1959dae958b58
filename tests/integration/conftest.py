"""Fixtures that deploy real ranges on the Docker engine and always remove them."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from orchestrator.events.store import EventStore
from orchestrator.runtime.backend import RangeBackend
from orchestrator.runtime.docker.backend import DockerBackend
from orchestrator.runtime.events import ignore
from orchestrator.state import ExerciseState
from tests.e2e.cli import RANGECTL, rangectl

PROBE = """
import json, socket, sys, concurrent.futures as cf
def reach(target):
    host, port = target
    s = socket.socket(); s.settimeout(1.5)
    try:
        s.connect((host, port)); return True
    except OSError:
        return False
    finally:
        s.close()
targets = [tuple(t) for t in json.loads(sys.argv[1])]
with cf.ThreadPoolExecutor(len(targets)) as pool:
    print(json.dumps(list(pool.map(reach, targets))))
"""


def unique_exercise(prefix: str) -> str:
    return f"it-{prefix}-{secrets.token_hex(3)}"


@pytest.fixture(scope="session")
def backend() -> DockerBackend:
    return DockerBackend()


@pytest.fixture(scope="session", autouse=True)
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Tests keep their exercise records away from the user's."""
    directory = tmp_path_factory.mktemp("state")
    previous = os.environ.get("RANGECTL_STATE_DIR")
    os.environ["RANGECTL_STATE_DIR"] = str(directory)
    yield directory
    if previous is None:
        os.environ.pop("RANGECTL_STATE_DIR", None)
    else:
        os.environ["RANGECTL_STATE_DIR"] = previous


def deployed(backend: DockerBackend, scenario: Path, exercise: str) -> Iterator[str]:
    """`rangectl up` a scenario as exercise; `down --purge` it whatever happens."""
    try:
        result = rangectl("up", str(scenario), "--exercise", exercise, timeout=600)
        assert result.returncode == 0, result.stderr
        yield exercise
    finally:
        backend.teardown(exercise, ignore, 8)
        rangectl("down", "--purge", "--exercise", exercise)


def probe(backend: RangeBackend, exercise: str, team: str, host: str,
          targets: list[tuple[str, int]]) -> list[bool]:
    """Which of `targets` a range host can open a TCP connection to."""
    result = backend.exec(exercise, team, host, ["python3", "-c", PROBE, json.dumps(targets)],
                          timeout=30)
    assert result.exit_code == 0, result.output
    return [bool(value) for value in json.loads(result.output.strip().splitlines()[-1])]


def host_addresses() -> list[str]:
    """The controller machine's own IPv4 addresses (all interfaces)."""
    output = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True,
                            check=True).stdout
    return [line.split()[3].split("/")[0] for line in output.splitlines()]


def wait_for_port(backend: DockerBackend, exercise: str, team: str, host: str,
                  port: int) -> None:
    """Wait (10 s at most) until something listens on `port` inside a range host."""
    script = f"for i in $(seq 50); do nc -z 127.0.0.1 {port} && exit 0; sleep 0.2; done; exit 1"
    result = backend.exec(exercise, team, host, ["sh", "-c", script], timeout=15)
    assert result.exit_code == 0, f"{team}/{host}: nothing listens on {port}"


def events(exercise: str, prefix: str) -> list[tuple[str | None, dict[str, object]]]:
    store = EventStore(ExerciseState(exercise).events_path)
    try:
        return [(e.team, e.data) for e in store.read(prefix)]
    finally:
        store.close()


@contextmanager
def running(exercise: str, speed: str, stderr: int = subprocess.PIPE
            ) -> Iterator[subprocess.Popen[bytes]]:
    """`rangectl run` in the background; killed if the test leaves before it ends."""
    process = subprocess.Popen([str(RANGECTL), "run", "--exercise", exercise, "--speed", speed],
                               stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def wait_for_event(exercise: str, kind: str, process: subprocess.Popen[bytes],
                   timeout: float = 120, **data: object) -> None:
    deadline = time.monotonic() + timeout
    while not any(all(d.get(k) == v for k, v in data.items()) for _, d in events(exercise, kind)):
        assert process.poll() is None, f"the run ended before {kind} {data}"
        assert time.monotonic() < deadline, f"no {kind} {data} within {timeout} s"
        time.sleep(0.1)
