"""`rangectl logins`: every login and refused login on the teams' bastions."""

from __future__ import annotations

import click
from rich.table import Table

from orchestrator.access.logins import collect_logins
from orchestrator.cli.common import EXERCISE_OPTION, OUTPUT_CHOICE, print_json
from orchestrator.cli.output import cells, console, line
from orchestrator.deploy import resolve_exercise
from orchestrator.events.kinds import TRAINEE_PREFIX, TraineeLoggedIn
from orchestrator.events.store import EventStore
from orchestrator.runtime.open import open_backend
from orchestrator.state import ExerciseState


@click.command("logins")
@EXERCISE_OPTION
@click.option("--team", help="Only this team.")
@click.option("--output", "-o", "output", type=OUTPUT_CHOICE, default="table")
def logins_command(exercise: str | None, team: str | None, output: str) -> None:
    """Read the bastions' logs into the exercise's events, then list the logins."""
    backend = open_backend()
    state = ExerciseState(resolve_exercise(backend, exercise))
    record = state.load_record()
    store = EventStore(state.events_path)
    try:
        collect_logins(backend, record.exercise, list(record.teams), store)
        events = [e for e in store.read(TRAINEE_PREFIX) if team is None or e.team == team]
    finally:
        store.close()
    rows = [{"seq": e.seq, "at": e.data["at"], "team": e.team,
             "result": "logged in" if e.kind == TraineeLoggedIn.kind else "refused",
             "user": e.data["user"], "detail": e.data.get("method") or e.data.get("reason")}
            for e in events]
    if output == "json":
        print_json(rows)
        return
    table = Table("time (UTC)", "team", "user", "result", "detail",
                  title=line(f"bastion logins, exercise {record.exercise}"))
    for row in rows:
        table.add_row(*cells(row["at"][:19].replace("T", " "), row["team"], row["user"],
                             row["result"], row["detail"]))
    console().print(table)
