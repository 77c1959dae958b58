"""An Ansible stdout callback for a bundle's roles, run with the Ansible inside a range host.

It prints one line per task result, `rangectl-task {json}`, which the
controller reads back from the exec (orchestrator/bundle_roles.py) to record
the task as an event, the same as the tasks of rangectl's own roles. Written
for the ansible-core that Debian packages in the `host` image; no import from
rangectl.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from ansible.plugins.callback import CallbackBase  # type: ignore[import-untyped,import-not-found,unused-ignore]

MESSAGE_LIMIT = 400


class CallbackModule(CallbackBase):  # type: ignore[misc,unused-ignore]
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "rangectl_lines"

    def _emit(self, result: Any, status: str, ignore_errors: bool = False) -> None:
        outcome = result._result
        if status == "ok" and outcome.get("changed"):
            status = "changed"
        line: dict[str, Any] = {"task": result._task.get_name(), "status": status,
                                "ignore_errors": bool(ignore_errors)}
        if status in ("failed", "unreachable"):
            line["message"] = str(outcome.get("msg") or outcome.get("stderr")
                                  or outcome)[:MESSAGE_LIMIT]
        sys.stdout.write("rangectl-task " + json.dumps(line) + "\n")
        sys.stdout.flush()

    def v2_runner_on_ok(self, result: Any) -> None:
        self._emit(result, "ok")

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        self._emit(result, "failed", ignore_errors)

    def v2_runner_on_skipped(self, result: Any) -> None:
        self._emit(result, "skipped")

    def v2_runner_on_unreachable(self, result: Any) -> None:
        self._emit(result, "unreachable")
