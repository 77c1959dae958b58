"""`rangectl down`: remove an exercise's containers, networks, volumes and snapshots."""

from __future__ import annotations

import click

from orchestrator.cli.common import EXERCISE_OPTION
from orchestrator.cli.errors import stderr
from orchestrator.cli.output import console, line
from orchestrator.cli.progress import TeamProgress
from orchestrator.deploy import resolve_exercise
from orchestrator.runtime.open import open_backend
from orchestrator.state import ExerciseState


@click.command("down")
@EXERCISE_OPTION
@click.option("--purge", is_flag=True, help="Also delete the exercise's data (events, reports).")
@click.option("--max-workers", type=click.IntRange(1, 64), default=8, show_default=True)
def down_command(exercise: str | None, purge: bool, max_workers: int) -> None:
    """Remove everything of the exercise from the engine, by label.

    Idempotent, and works after an interrupted `up`. The exercise's data stays
    unless --purge.
    """
    backend = open_backend(max_workers)
    exercise_id = resolve_exercise(backend, exercise)
    with TeamProgress(console(stderr=True), "down") as progress:
        report = backend.teardown(exercise_id, progress, max_workers)
    state = ExerciseState(exercise_id)
    if purge:
        state.purge()
    kept = "" if purge or not state.exists() else f"; its data stays in {state.directory}"
    stderr.print(line((f"exercise {exercise_id} is down", "green"),
                      f": removed {report.containers} containers, {report.networks} networks, "
                      f"{report.volumes} volumes"
                      f"{f', {report.snapshots} snapshots' if report.snapshots else ''}{kept}"))
    if report.detached:
        stderr.print(line(("note", "yellow"), ": disconnected containers that are not part of "
                          f"the exercise from its networks: {', '.join(report.detached)}"))
