"""`rangectl status`: every team's hosts and their state."""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from orchestrator.cli.common import EXERCISE_OPTION, OUTPUT_CHOICE, print_json
from orchestrator.cli.output import cell, console, line
from orchestrator.deploy import resolve_exercise
from orchestrator.runtime.open import open_backend
from orchestrator.state import ExerciseState


@click.command("status")
@EXERCISE_OPTION
@click.option("--output", "-o", "output", type=OUTPUT_CHOICE, default="table")
def status_command(exercise: str | None, output: str) -> None:
    """Show each team's hosts: state, addresses; planned hosts that are missing too."""
    backend = open_backend()
    exercise_id = resolve_exercise(backend, exercise)
    found = {(s.team, s.host): s for s in backend.status(exercise_id)}
    plan = ExerciseState(exercise_id).load_plan()
    rows: list[dict[str, Any]] = []
    planned = [(t.team, h.name, h.role) for t in plan.teams for h in t.hosts] if plan else []
    for team, host, role in planned:
        status = found.pop((team, host), None)
        rows.append({"team": team, "host": host, "role": role,
                     "state": status.state if status else "missing",
                     "detail": status.detail if status else "not on the engine",
                     "addresses": dict(status.addresses) if status else {}})
    for status in found.values():  # on the engine but no longer in the plan
        rows.append({"team": status.team, "host": status.host, "role": status.role,
                     "state": status.state, "detail": status.detail + " (not in the plan)",
                     "addresses": dict(status.addresses)})
    if output == "json":
        print_json({"exercise": exercise_id, "hosts": rows})
        return
    table = Table("team", "host", "role", "state", "addresses", "detail",
                  title=line(f"exercise {exercise_id}"))
    for row in rows:
        color = "green" if row["state"] == "running" else "red"
        table.add_row(cell(row["team"]), cell(row["host"]), cell(row["role"]),
                      cell(row["state"], color),
                      cell(", ".join(f"{k}={v}" for k, v in row["addresses"].items())),
                      cell(row["detail"]))
    console().print(table)
