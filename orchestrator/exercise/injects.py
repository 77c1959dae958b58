"""Run one inject for one team: its steps on the source host, judged by its criterion.

Steps run through the engine's exec (from red, or on the target for insider and
fault injects), with the team's secrets filled in only where the scenario lets
the inject see them; what is recorded has those secrets masked again.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from orchestrator.plan.model import PlannedInject
from orchestrator.plan.templates import fill_secrets, mask_secrets
from orchestrator.runtime.backend import RangeBackend

MAX_OUTPUT = 4000


@dataclass(frozen=True)
class InjectResult:
    team: str
    inject: str
    outcome: str  # succeeded (the attack got through), blocked, error
    started: float  # wall clock, for the skew between teams
    ended: float
    steps: list[dict[str, Any]] = field(default_factory=list)


def run_inject(backend: RangeBackend, exercise: str, team: str, inject: PlannedInject,
               secrets: dict[str, str]) -> InjectResult:
    started = time.time()
    visible = {name: value for name, value in secrets.items() if name in inject.secrets}
    steps: list[dict[str, Any]] = []
    exit_code, output = -1, ""
    try:
        for step in inject.steps:
            command = fill_secrets(step.run, visible)
            result = backend.exec(exercise, team, inject.source_host, ["sh", "-c", command],
                                  timeout=step.timeout)
            exit_code, output = result.exit_code, result.output
            steps.append({"command": step.run, "exit_code": exit_code,
                          "output": mask_secrets(output, visible)[-MAX_OUTPUT:]})
    except Exception as exc:  # the range or engine failed, not blue's defence
        steps.append({"command": "", "exit_code": -1, "output": f"error: {exc}"[:MAX_OUTPUT]})
        return InjectResult(team, inject.name, "error", started, time.time(), steps)
    try:
        outcome = "succeeded" if judge(inject.success, exit_code, output) else "blocked"
    except PatternError as exc:  # the scenario's pattern, not blue's defence
        steps.append({"command": "", "exit_code": -1, "output": f"error: {exc}"})
        outcome = "error"
    return InjectResult(team, inject.name, outcome, started, time.time(), steps)


def judge(success: dict[str, Any], exit_code: int, output: str) -> bool:
    """Did the last step show the attack got through?"""
    expected = success.get("exit_code")
    if expected is not None and exit_code != expected:
        return False
    contains = success.get("contains")
    if contains and contains not in output:
        return False
    matches = success.get("matches")
    return not (matches and not pattern_found(str(matches), output))


class PatternError(RuntimeError):
    """The scenario's `success.matches` pattern took too long on a step's output."""


# Python's re cannot be interrupted, and the step's output is partly written by
# what the attack touched (a host a blue team holds): a pattern with nested
# quantifiers would hold the engine for hours. The search runs in a child
# interpreter that is killed after MATCH_SECONDS.
MATCH_SECONDS = 2.0
_SEARCH = ("import json, re, sys; request = json.load(sys.stdin); "
           "sys.exit(0 if re.search(request['pattern'], request['text']) else 3)")


def pattern_found(pattern: str, text: str) -> bool:
    """`re.search(pattern, text)`, bounded in time; PatternError past MATCH_SECONDS."""
    try:
        child = subprocess.run([sys.executable, "-I", "-S", "-c", _SEARCH],
                               input=json.dumps({"pattern": pattern, "text": text}),
                               capture_output=True, text=True, timeout=MATCH_SECONDS,
                               check=False)
    except subprocess.TimeoutExpired:
        raise PatternError(f"success.matches {pattern!r} took over {MATCH_SECONDS:g}s "
                                "on the output; simplify the pattern") from None
    if child.returncode not in (0, 3):
        raise PatternError(f"success.matches {pattern!r} failed: {child.stderr[-200:]}")
    return child.returncode == 0
