"""White-cell actions on a running exercise: pause, resume, stop, fire an inject by hand.

They are requests written to the exercise's event store, where the running
`rangectl run` picks them up within a second and records what it did; so
every white-cell action is itself an event in the after-action record.
"""

from __future__ import annotations

import click

from orchestrator.cli.errors import stderr
from orchestrator.deploy import resolve_exercise
from orchestrator.errors import InvalidInputError
from orchestrator.events.store import EventStore
from orchestrator.exercise.run_lock import engine_running
from orchestrator.runtime.docker.backend import DockerBackend
from orchestrator.state import ExerciseState

EXERCISE = click.option("--exercise", help="Exercise id (default: the only one).")


def _request(exercise: str | None, kind: str, **data: str) -> str:
    state = ExerciseState(resolve_exercise(DockerBackend(), exercise))
    if not engine_running(state):
        raise InvalidInputError(f"exercise '{state.exercise}' is not running",
                                "start or resume it with: rangectl run")
    store = EventStore(state.events_path)
    try:
        store.append(kind, by="white-cell", **data)
    finally:
        store.close()
    return state.exercise


@click.command("pause")
@EXERCISE
def pause_command(exercise: str | None) -> None:
    """Hold the exercise clock: no tick, no inject, until `rangectl resume`."""
    name = _request(exercise, "control.pause")
    stderr.print(f"asked exercise {name} to pause")


@click.command("resume")
@EXERCISE
def resume_command(exercise: str | None) -> None:
    """Let a paused exercise clock run again from where it stopped."""
    name = _request(exercise, "control.resume")
    stderr.print(f"asked exercise {name} to resume")


@click.command("stop")
@EXERCISE
def stop_command(exercise: str | None) -> None:
    """End the exercise now (recorded as finished early)."""
    name = _request(exercise, "control.stop")
    stderr.print(f"asked exercise {name} to stop")


@click.command("inject")
@click.argument("name")
@click.option("--team", required=True, help="The team whose range it is fired at.")
@EXERCISE
def inject_command(name: str, team: str, exercise: str | None) -> None:
    """Fire inject NAME at TEAM now, by hand (recorded as a white-cell action)."""
    state_name = _request(exercise, "control.inject", inject=name, team=team)
    stderr.print(f"asked exercise {state_name} to fire {name} at team {team}")
