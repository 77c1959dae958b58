"""Run the installed `rangectl` as a user would, in a child process."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tests.conftest import ROOT

RANGECTL = Path(sys.executable).parent / "rangectl"
MEMORY_LIMIT = 1024 * 1024 * 1024


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def rangectl(*args: str, timeout: float = 60, limit_memory: bool = False,
             state_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`rangectl ARGS` from the project root; bounded in time (and memory, if asked)."""
    env = dict(os.environ)
    if state_dir is not None:
        env["RANGECTL_STATE_DIR"] = str(state_dir)
    return subprocess.run(
        [str(RANGECTL), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
        preexec_fn=_limit_memory if limit_memory else None, check=False, env=env,
    )


@dataclass(frozen=True)
class Served:
    """A `rangectl serve` running in the background: its URL and port."""

    url: str
    port: int


@contextmanager
def serving(state_dir: Path | None, *args: str) -> Iterator[Served]:
    """`rangectl serve --port 0 ARGS` in the background; stopped with Ctrl-C after, when
    it must end cleanly (exit 0) unless the test itself failed."""
    env = dict(os.environ)
    if state_dir is not None:
        env["RANGECTL_STATE_DIR"] = str(state_dir)
    process = subprocess.Popen([str(RANGECTL), "serve", "--port", "0", *args], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        port = urlsplit(url).port
        assert port, url
        yield Served(url, port)
    except BaseException:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
        raise
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 0, process.stderr.read() if process.stderr else ""
