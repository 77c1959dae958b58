"""The one place where errors become messages and exit codes.

Exit codes: 0 ok, 1 runtime failure, 2 invalid input. A traceback is shown only
with --debug: a controller needs to know what to fix, not where Python was.
Messages quote what users, scenarios and range hosts wrote, so they are printed
as plain text (see output.py): no message can crash the printing of itself.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from typing import Any

import click

from orchestrator.cli.output import console, line
from orchestrator.errors import EXIT_RUNTIME, RangectlError, ScenarioError

stderr = console(stderr=True, soft_wrap=True)


def report_error(error: RangectlError) -> None:
    """Print an error for a person: every problem of a scenario, or one message."""
    if isinstance(error, ScenarioError):
        for rendered in error.rendered():
            stderr.print(line(rendered))
        stderr.print(line(("error:", "red"), " ", error.message))
        return
    stderr.print(line(("error:", "red"), " ", error.message))
    if error.hint:
        stderr.print(line(("hint:", "dim"), " ", error.hint))


def run_guarded(invoke: Callable[[], Any], debug: bool) -> Any:
    """Run a command; turn our errors and surprises into a message and an exit code."""
    try:
        return invoke()
    except RangectlError as error:
        if debug:
            traceback.print_exc()
        report_error(error)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        stderr.print(line(("interrupted", "yellow")))
        sys.exit(130)
    except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
        raise
    except Exception as error:  # the boundary: anything else is our bug
        if debug:
            traceback.print_exc()
        stderr.print(line(("internal error:", "red"), f" {type(error).__name__}: {error}"))
        stderr.print("run again with --debug for the traceback, and report it")
        sys.exit(EXIT_RUNTIME)
