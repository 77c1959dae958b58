"""`rangectl up FILE`: build one isolated range per team and start it."""

from __future__ import annotations

from pathlib import Path

import click

from orchestrator.cli.common import check_bind, load, split_teams
from orchestrator.cli.errors import stderr
from orchestrator.cli.output import console, line
from orchestrator.cli.plan import EXERCISE_OPTION, POOL_OPTION, TEAMS_OPTION
from orchestrator.cli.progress import ProvisionProgress, TeamProgress, print_image_progress
from orchestrator.deploy import Watchers, bring_up
from orchestrator.plan import Plan
from orchestrator.runtime.open import open_backend
from orchestrator.scorebot import CheckOutcome


@click.command("up")
@click.argument("file", type=click.Path())
@TEAMS_OPTION
@EXERCISE_OPTION
@POOL_OPTION
@click.option("--max-workers", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Containers and networks created in parallel.")
@click.option("--no-provision", is_flag=True,
              help="Only create networks and containers; skip Ansible and the baseline gate.")
@click.option("--bind", "bind_address", default="127.0.0.1", show_default=True,
              help="Address the bastions are published on; anything but loopback opens "
                   "them to the network.")
@click.option("--gate-timeout", type=click.FloatRange(1, 3600), default=120, show_default=True,
              help="Seconds to wait for every team's checks to pass.")
def up_command(file: str, teams: str | None, exercise: str | None, pool: str | None,
               max_workers: int, no_provision: bool, bind_address: str,
               gate_timeout: float) -> None:
    """Build every team's range for the scenario FILE and bring it to ready.

    Creates the networks and hosts (building missing images first), configures
    them with Ansible, and waits until every team's services pass their checks
    from its scorebot. Idempotent: run it again and nothing changes; after an
    interruption it finishes the job.
    """
    check_bind(bind_address, "the bastions will listen on {address}: anyone who can reach "
               "this machine there can try to log in. Only the teams' keys are accepted.")
    loaded = load(Path(file))
    backend = open_backend(max_workers)
    builder = backend.image_builder(print_image_progress(stderr))
    shown = console(stderr=True)
    with TeamProgress(shown, "up") as runtime, ProvisionProgress(shown) as tasks:
        def planned(plan: Plan) -> None:
            runtime.planned(plan)
            tasks.planned(plan)

        watchers = Watchers(runtime=runtime, tasks=tasks, checks=_show_failing_checks,
                            planned=planned)
        result = bring_up(loaded, backend, builder, exercise=exercise, teams=split_teams(teams),
                          pool=pool, bind_address=bind_address, max_workers=max_workers,
                          provision_hosts=not no_provision,
                          gate_timeout=gate_timeout, watchers=watchers)
    report = result.report
    stderr.print(line(
        (f"exercise {result.plan.exercise} is up", "green"), f": {len(result.plan.teams)} teams, "
        f"{report.created} hosts created, {report.recreated} recreated, {report.started} started, "
        f"{report.unchanged} unchanged"))
    for provisioned in result.provisioned:
        stderr.print(line(f"  team {provisioned.team}: provisioned, {provisioned.tasks} tasks, "
                          f"{provisioned.changed} changed; ready after "
                          f"{result.ready.get(provisioned.team, 0):.1f}s of checks"))
    timing = ", ".join(f"{name} {value:.1f}s" for name, value in result.seconds.items())
    stderr.print(line(f"  took {timing}"))
    for team, port in result.record.bastion_ports.items():
        stderr.print(line(f"  team {team}: bastion ssh on {result.record.bind_address}:{port}"))


def _show_failing_checks(team: str, results: list[CheckOutcome]) -> None:
    failing = [f"{r.check_id} {r.result}" for r in results if r.result != "ok"]
    if failing:
        stderr.print(line("  ", (f"team {team} not ready yet:", "yellow"), " ",
                          ", ".join(failing)))
