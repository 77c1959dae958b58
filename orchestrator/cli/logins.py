"""`rangectl logins`: every login and refused login on the teams' bastions, and
every shell opened from a browser terminal (`rangectl serve`)."""

from __future__ import annotations

import click
from rich.table import Table

from orchestrator.access.logins import collect_logins
from orchestrator.cli.common import EXERCISE_OPTION, OUTPUT_CHOICE, print_json
from orchestrator.cli.output import cells, console, line
from orchestrator.deploy import resolve_exercise
from orchestrator.events.kinds import TRAINEE_PREFIX, TraineeBrowserLogin, TraineeLoggedIn
from orchestrator.events.store import Event, EventStore
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
    rows = [{"seq": e.seq, "at": e.data["at"], "team": e.team, "result": _result(e)[0],
             "user": e.data["user"], "detail": _result(e)[1],
             "via": "browser" if e.kind == TraineeBrowserLogin.kind else "ssh"}
            for e in events]
    if output == "json":
        print_json(rows)
        return
    table = Table("time (UTC)", "team", "user", "result", "detail",
                  title=line(f"trainee logins, exercise {record.exercise}"))
    for row in rows:
        table.add_row(*cells(row["at"][:19].replace("T", " "), row["team"], row["user"],
                             row["result"], row["detail"]))
    console().print(table)


def _result(event: Event) -> tuple[str, str]:
    """What became of a login, and how: sshd's method or reason, or the browser's host."""
    if event.kind == TraineeBrowserLogin.kind:
        return "logged in", f"browser terminal on {event.host}"
    if event.kind == TraineeLoggedIn.kind:
        return "logged in", str(event.data["method"])
    return "refused", str(event.data["reason"])
