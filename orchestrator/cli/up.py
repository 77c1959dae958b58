"""`rangectl up FILE`: build one isolated range per team and start it."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from orchestrator.cli.common import load, split_teams
from orchestrator.cli.errors import stderr
from orchestrator.cli.plan import EXERCISE_OPTION, POOL_OPTION, TEAMS_OPTION
from orchestrator.cli.progress import TeamProgress, print_image_progress
from orchestrator.deploy import bring_up
from orchestrator.images.builder import ImageBuilder
from orchestrator.plan import plan_loaded
from orchestrator.runtime.docker.backend import DockerBackend


@click.command("up")
@click.argument("file", type=click.Path())
@TEAMS_OPTION
@EXERCISE_OPTION
@POOL_OPTION
@click.option("--max-workers", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Containers and networks created in parallel.")
def up_command(file: str, teams: str | None, exercise: str | None, pool: str | None,
               max_workers: int) -> None:
    """Create every team's networks and hosts for the scenario FILE.

    Idempotent: run it again and it changes nothing; after an interruption it
    finishes the job. Images that are missing are built first.
    """
    loaded = load(Path(file))
    backend = DockerBackend(max_pool_size=max_workers + 4)
    builder = ImageBuilder(backend.api, print_image_progress(stderr))
    preview = plan_loaded(loaded, exercise=exercise, teams=split_teams(teams), pool=pool,
                          reserved=backend.reserved_subnets(exercise or loaded.scenario.name))
    with TeamProgress.for_plan(Console(stderr=True), preview, "up") as progress:
        result = bring_up(loaded, backend, builder, progress, exercise=exercise,
                          teams=split_teams(teams), pool=pool, max_workers=max_workers)
    report = result.report
    stderr.print(
        f"[green]exercise {result.plan.exercise} is up[/green]: {len(result.plan.teams)} teams, "
        f"{report.created} hosts created, {report.recreated} recreated, {report.started} started, "
        f"{report.unchanged} unchanged")
    for team, port in result.record.bastion_ports.items():
        stderr.print(f"  team {team}: bastion ssh on {result.record.bind_address}:{port}")
