"""White-cell actions on a running exercise: pause, resume, stop, fire an inject by hand.

They are requests written to the exercise's event store, where the running
`rangectl run` picks them up within a second and records what it did; so
every white-cell action is itself an event in the after-action record.
"""

from __future__ import annotations

import click

from orchestrator.cli.common import EXERCISE_OPTION
from orchestrator.cli.errors import stderr
from orchestrator.cli.output import line
from orchestrator.deploy import resolve_exercise
from orchestrator.errors import InvalidInputError
from orchestrator.events.kinds import (
    InjectRequested,
    PauseRequested,
    ResumeRequested,
    StopRequested,
)
from orchestrator.events.payload import Payload
from orchestrator.exercise.run_lock import engine_running
from orchestrator.exercise.scored import record_event
from orchestrator.runtime.open import open_backend
from orchestrator.state import ExerciseState


def _request(exercise: str | None, request: Payload) -> str:
    state = ExerciseState(resolve_exercise(open_backend(), exercise))
    if not engine_running(state):
        raise InvalidInputError(f"exercise '{state.exercise}' is not running",
                                "start or resume it with: rangectl run")
    record_event(state, request)
    return state.exercise


def _control_command(name: str, request: Payload, summary: str) -> click.Command:
    """A command that only asks the running exercise to do one thing."""

    @click.command(name, help=summary)
    @EXERCISE_OPTION
    def command(exercise: str | None) -> None:
        stderr.print(line(f"asked exercise {_request(exercise, request)} to {name}"))

    return command


pause_command = _control_command(
    "pause", PauseRequested(), "Hold the exercise clock: no tick, no inject, until resume.")
resume_command = _control_command(
    "resume", ResumeRequested(), "Let a paused exercise clock run again from where it stopped.")
stop_command = _control_command(
    "stop", StopRequested(), "End the exercise now (recorded as finished early).")


@click.command("inject")
@click.argument("name")
@click.option("--team", required=True, help="The team whose range it is fired at.")
@EXERCISE_OPTION
def inject_command(name: str, team: str, exercise: str | None) -> None:
    """Fire inject NAME at TEAM now, by hand (recorded as a white-cell action)."""
    state_name = _request(exercise, InjectRequested(team=team, inject=name))
    stderr.print(line(f"asked exercise {state_name} to fire {name} at team {team}"))
