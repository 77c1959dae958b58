"""`rangectl exercises`: the exercises this machine knows, on disk and on the engine."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from orchestrator.cli.common import OUTPUT_CHOICE, print_json
from orchestrator.cli.output import cells, console
from orchestrator.runtime.open import open_backend
from orchestrator.scenario.types import is_name
from orchestrator.state import ExerciseState, known_exercises


@click.command("exercises")
@click.option("--output", "-o", "output", type=OUTPUT_CHOICE, default="table")
def exercises_command(output: str) -> None:
    """List exercises: their scenario, teams, and whether their ranges are up."""
    on_engine = open_backend().exercises()
    rows: list[dict[str, Any]] = []
    for exercise in sorted(set(known_exercises()) | set(on_engine)):
        # An engine label that is not a valid id has no state folder to look in.
        state = ExerciseState(exercise) if is_name(exercise) else None
        record = state.load_record() if state and state.exists() else None
        rows.append({
            "exercise": exercise,
            "scenario": record.scenario_name if record else "?",
            "teams": list(record.teams) if record else list(on_engine.get(exercise, [])),
            "on_engine": exercise in on_engine,
            "state_dir": str(state.directory) if state and record else None,
        })
    if output == "json":
        print_json(rows)
        return
    table = Table("exercise", "scenario", "teams", "ranges")
    for row in rows:
        table.add_row(*cells(row["exercise"], row["scenario"], ", ".join(row["teams"]),
                             "up" if row["on_engine"] else "down"))
    console().print(table)
