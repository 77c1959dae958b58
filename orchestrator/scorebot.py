"""Run a team's service checks on its scorebot and read the results.

The check runner (orchestrator/agents/check_runner.py) is sent along with
each session, so the scorebot always runs the controller's own version of it
and nothing needs installing. The checks, with the team's real secrets filled in (an SSH
check's password), go to it on standard input, never on its command line,
where any process on the scorebot could read them and the engine keeps them
with the exec. The results come back as JSON through the Docker API, and are
taken as data from a range host: each verdict must be one of `CheckResult`,
and the team's secrets are masked in every detail before it is recorded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from orchestrator.agents import agent_source
from orchestrator.agents.check_runner import CheckResult
from orchestrator.errors import RangectlError, RuntimeFailureError, one_line
from orchestrator.labels import SCOREBOT
from orchestrator.plan.model import PlannedCheck, TeamRange
from orchestrator.plan.templates import fill_secrets, mask_secrets
from orchestrator.runtime.backend import RangeBackend
from orchestrator.runtime.host_process import HostProcess

__all__ = ["CheckOutcome", "CheckResult", "Scorebot", "check_spec", "run_checks"]

MAX_DETAIL = 300
UNKNOWN_RESULT = ("the check runner answered a result that is none of "
                  f"{', '.join(CheckResult)}; not held against the team")


@dataclass(frozen=True)
class CheckOutcome:
    """One check of one team, once: its verdict, and why, with no secret in it."""

    team: str
    host: str
    service: str
    result: CheckResult
    detail: str
    elapsed: float

    @property
    def check_id(self) -> str:
        return f"{self.host}/{self.service}"


def check_spec(check: PlannedCheck, secrets: dict[str, str]) -> dict[str, Any]:
    """What the runner needs for one check: where, how, and the team's real secrets."""
    spec: dict[str, Any] = {"id": check.check_id, "address": check.address,
                            "port": check.port}
    for key, value in check.check.items():
        spec[key] = fill_secrets(value, secrets) if isinstance(value, str) else value
    if spec.get("type") == "ssh":
        spec["password"] = secrets.get(str(spec.get("password_secret")), "")
    return spec


def _longest(specs: list[dict[str, Any]]) -> float:
    return max(float(spec.get("timeout", 5)) for spec in specs) + 10


def _outcome(team: str, check: PlannedCheck, item: dict[str, Any],
             secrets: dict[str, str]) -> CheckOutcome:
    """One item of the runner's answer, checked: an unknown verdict is never stored."""
    # What a service answered, quoted: escaped, so no terminal escape or bidi
    # override reaches the instructors' screens or reports.
    detail = one_line(mask_secrets(str(item.get("detail", "")), secrets))[:MAX_DETAIL]
    try:
        result = CheckResult(item["result"])
    except (ValueError, TypeError):
        result, detail = CheckResult.ERROR, UNKNOWN_RESULT
    return CheckOutcome(team, check.host, check.service, result, detail,
                        float(item["elapsed"]))


def _results(team: TeamRange, output: str, what: str,
             secrets: dict[str, str]) -> list[CheckOutcome]:
    try:
        document = json.loads(output.strip().splitlines()[-1])
        by_id = {check.check_id: check for check in team.checks}
        return [_outcome(team.team, by_id[item["id"]], item, secrets)
                for item in document["results"]]
    except (IndexError, KeyError, TypeError, ValueError, AttributeError):
        raise RuntimeFailureError(
            f"team '{team.team}': the scorebot's check runner failed ({what}): "
            f"{one_line(mask_secrets(output.strip(), secrets))[-300:]}") from None


def run_checks(backend: RangeBackend, exercise: str, team: TeamRange,
               secrets: dict[str, str]) -> list[CheckOutcome]:
    """Every check of the team, once, concurrently, from its scorebot (the baseline gate)."""
    scorebot = Scorebot(backend, exercise, team, secrets)
    try:
        return scorebot.run()
    finally:
        scorebot.close()


class Scorebot:
    """A team's check runner, kept running on its scorebot for a whole exercise.

    The first tick starts it (one attached exec); every later tick is one line
    in and one line out. A session that broke (the scorebot restarted, the
    runner died) is started again once, in the same tick, before the tick's
    checks are given up as `error`.
    """

    def __init__(self, backend: RangeBackend, exercise: str, team: TeamRange,
                 secrets: dict[str, str]) -> None:
        self.team = team
        self.secrets = secrets
        self.specs = [check_spec(check, secrets) for check in team.checks]
        runner = ["python3", "-c", agent_source("check_runner"), "--serve"]
        self.process = HostProcess(backend, exercise, team.team, SCOREBOT, runner,
                                   warm_up=json.dumps({"checks": []}))

    def run(self) -> list[CheckOutcome]:
        if not self.specs:
            return []
        request = json.dumps({"checks": self.specs})
        for attempt in (1, 2):
            try:
                answer = self.process.request(request, _longest(self.specs))
                return _results(self.team, answer, "its session", self.secrets)
            except Exception as exc:  # the engine, the session or the runner: start afresh
                self.process.close()
                if attempt == 2:
                    raise self._masked(exc) from None
        return []  # not reached: the second attempt returns or raises

    def close(self) -> None:
        self.process.close()

    def _masked(self, error: Exception) -> RuntimeFailureError:
        """The failure as a message with no secret in it: it becomes every check's detail."""
        if isinstance(error, RangectlError):
            return RuntimeFailureError(mask_secrets(error.message, self.secrets), error.hint)
        return RuntimeFailureError(mask_secrets(
            f"team '{self.team.team}': the scorebot's check runner failed: "
            f"{type(error).__name__}: {error}", self.secrets))
