"""`rangectl`: the command-line entry point; one module per command."""

from __future__ import annotations

from typing import Any

import click

from orchestrator import __version__
from orchestrator.cli.access import access_command, connect_command
from orchestrator.cli.control import (
    inject_command,
    pause_command,
    resume_command,
    stop_command,
)
from orchestrator.cli.down import down_command
from orchestrator.cli.errors import run_guarded
from orchestrator.cli.exercises import exercises_command
from orchestrator.cli.images import images_group
from orchestrator.cli.logins import logins_command
from orchestrator.cli.plan import plan_command
from orchestrator.cli.report import report_command
from orchestrator.cli.reset import reset_command, snapshot_command
from orchestrator.cli.roles import roles_command
from orchestrator.cli.rulings import penalize_command, void_group
from orchestrator.cli.run import run_command
from orchestrator.cli.schema import schema_command
from orchestrator.cli.score import score_command
from orchestrator.cli.serve import serve_command
from orchestrator.cli.sites import sites_command
from orchestrator.cli.status import status_command
from orchestrator.cli.up import up_command
from orchestrator.cli.validate import validate_command


class GuardedGroup(click.Group):
    """A click group whose commands all pass through the one error boundary."""

    def invoke(self, ctx: click.Context) -> Any:
        return run_guarded(lambda: super(GuardedGroup, self).invoke(ctx),
                           bool(ctx.params.get("debug")))


@click.group(cls=GuardedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.version_option(__version__, prog_name="rangectl")
def cli(debug: bool) -> None:
    """Cyber defence exercise ranges from one scenario file.

    validate and plan a scenario, bring one isolated range per team up, run the
    exercise clock with its scripted attacks and checks, score it, and take it
    down again.
    """


cli.add_command(validate_command)
cli.add_command(plan_command)
cli.add_command(schema_command)
cli.add_command(up_command)
cli.add_command(status_command)
cli.add_command(down_command)
cli.add_command(exercises_command)
cli.add_command(sites_command)
cli.add_command(roles_command)
cli.add_command(images_group)
cli.add_command(access_command)
cli.add_command(connect_command)
cli.add_command(logins_command)
cli.add_command(run_command)
for command in (pause_command, resume_command, stop_command, inject_command, reset_command,
                snapshot_command):
    cli.add_command(command)
for command in (score_command, serve_command, report_command, void_group, penalize_command):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="rangectl")
