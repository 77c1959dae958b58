"""Run the installed `rangectl` as a user would, in a child process."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

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
