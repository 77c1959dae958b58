"""`rangectl reset` and `rangectl snapshot`: put a wrecked host back, or save one to return to.

While `rangectl run` holds the exercise, a reset is a request in the event
store that the engine does beside its ticks (on its clock, so the outage lands
where it happened); otherwise this command does it itself. Either way it waits
for the end and says how long the host was away.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

import click

from orchestrator.cli.common import EXERCISE_OPTION, load
from orchestrator.cli.errors import stderr
from orchestrator.cli.output import line
from orchestrator.deploy import resolve_exercise, scenario_digest
from orchestrator.errors import InvalidInputError, RuntimeFailureError
from orchestrator.events.kinds import (
    RESET_PREFIX,
    WHITE_CELL,
    HostResetFinished,
    HostResetRefused,
    ResetRequested,
)
from orchestrator.events.store import EventStore
from orchestrator.exercise.progress import read_progress
from orchestrator.exercise.run_lock import engine_running
from orchestrator.plan.model import Plan
from orchestrator.reset import HostResets, ResetOrder
from orchestrator.runtime.backend import RangeBackend
from orchestrator.runtime.open import open_backend
from orchestrator.scenario.loader import LoadedScenario
from orchestrator.state import ExerciseState

WAIT = 600.0  # seconds a reset done by the engine is waited for
DEFAULT_REASON = "asked by the white cell"


def exercise_resets(backend: RangeBackend, state: ExerciseState, plan: Plan,
                    store: EventStore, now: Callable[[], float] | None = None) -> HostResets:
    """The exercise's resets, configured from the scenario file `up` used; on the
    clock time the store says the exercise reached, unless `now` is given."""
    record = state.load_record()

    @cache
    def loaded() -> LoadedScenario:
        path = Path(record.scenario_path)
        if not path.is_file():
            raise InvalidInputError(f"the scenario file {path} that `up` used is gone",
                                    "put it back where it was to reset hosts")
        found = load(path)
        if record.scenario_digest and scenario_digest(found) != record.scenario_digest:
            raise InvalidInputError(f"{path} has changed since `rangectl up` read it: a reset "
                                    "configures the host from it", "put the file back as it "
                                    "was, or run `rangectl up` again with the new one")
        return found

    if now is None:
        moment = read_progress(store.read()).time
        now = lambda: moment  # noqa: E731 - the clock stands still while no engine runs
    return HostResets(backend, state, plan, store, loaded, now)


def _opened(exercise: str | None) -> tuple[RangeBackend, ExerciseState, Plan]:
    backend = open_backend()
    state = ExerciseState(resolve_exercise(backend, exercise))
    state.load_record()
    plan = state.load_plan()
    if plan is None:
        raise InvalidInputError(f"exercise '{state.exercise}' has no plan",
                                "bring it up first: rangectl up FILE")
    return backend, state, plan


@click.command("reset")
@click.argument("team")
@click.argument("host")
@click.option("--reason", default=DEFAULT_REASON, show_default=True,
              help="Why: shown in the report's ledger beside the reset.")
@click.option("--to", "snapshot", default=None, metavar="NAME",
              help="Return the host to this snapshot (rangectl snapshot) instead of its image.")
@click.option("--snapshot", "keep", default=None, metavar="NAME",
              help="First save the host as it is now as snapshot NAME (the evidence of what "
                   "happened to it, or a state to come back to).")
@EXERCISE_OPTION
def reset_command(team: str, host: str, reason: str, snapshot: str | None, keep: str | None,
                  exercise: str | None) -> None:
    """Recreate HOST of TEAM from its image and configure it again, while the clock runs.

    The host keeps its addresses, the team's secrets and the seeded weaknesses;
    what the team changed on it is gone. The reset ends when the host's checks
    pass again; it is charged by the scenario's `host_reset` penalty rule.
    """
    if keep is not None and keep == snapshot:
        raise InvalidInputError(f"--snapshot {keep} would replace the snapshot --to returns to",
                                "give the snapshot taken first another name")
    backend, state, plan = _opened(exercise)
    store = EventStore(state.events_path)
    try:
        resets = exercise_resets(backend, state, plan, store)
        refused = resets.refusal(team, host, snapshot)
        if refused is not None:
            raise InvalidInputError(refused, "rangectl status lists the teams and hosts")
        order = ResetOrder(team, host, WHITE_CELL, reason, snapshot)
        if keep is not None:
            resets.snapshot(team, host, keep, WHITE_CELL)
            stderr.print(line(f"saved {team}/{host} as snapshot {keep}"))
        if engine_running(state):
            stderr.print(line(f"asked exercise {state.exercise} to reset {team}/{host}"))
            outcome = _wait_for_engine(state, store, store.record(ResetRequested(
                team=team, host=host, reason=reason, to=snapshot)), team, host)
        else:
            stderr.print(line(f"resetting {team}/{host} (the exercise clock is not running)"))
            outcome = resets.reset(order)
    finally:
        store.close()
    _report(team, host, outcome)


def _wait_for_engine(state: ExerciseState, store: EventStore, request: int, team: str,
                     host: str) -> HostResetFinished | HostResetRefused:
    """The end of the reset the engine does for `request` (and no other's)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        for event in store.read(RESET_PREFIX, since=request):
            data = event.data
            if data.get("request") != request:
                continue
            if event.kind == HostResetFinished.kind:
                return HostResetFinished(team=team, host=host, t=float(data["t"]),
                                         seconds=float(data["seconds"]), ok=bool(data["ok"]),
                                         error=str(data.get("error", "")), request=request)
            if event.kind == HostResetRefused.kind:
                return HostResetRefused(team=team, host=host, t=float(data["t"]),
                                        by=str(data["by"]), reason=str(data["reason"]),
                                        request=request)
        if not engine_running(state):
            raise RuntimeFailureError(f"the exercise stopped before it reset {team}/{host}",
                                      "reset it again: rangectl reset")
        time.sleep(0.5)
    raise RuntimeFailureError(f"the reset of {team}/{host} did not end in {WAIT:g}s",
                              "it goes on in the engine: rangectl status, rangectl score")


def _report(team: str, host: str, outcome: HostResetFinished | HostResetRefused) -> None:
    if isinstance(outcome, HostResetRefused):
        raise InvalidInputError(f"reset of {team}/{host} refused: {outcome.reason}")
    if not outcome.ok:
        raise RuntimeFailureError(f"reset of {team}/{host} failed after {outcome.seconds:g}s: "
                                  f"{outcome.error}", "look at the host: rangectl status")
    stderr.print(line(f"{team}/{host} is back, its checks pass: {outcome.seconds:g}s"))


@click.command("snapshot")
@click.argument("team")
@click.argument("host")
@click.argument("name", required=False)
@click.option("--list", "listing", is_flag=True, help="List the host's snapshots instead.")
@EXERCISE_OPTION
def snapshot_command(team: str, host: str, name: str | None, listing: bool,
                     exercise: str | None) -> None:
    """Save HOST of TEAM as snapshot NAME, to return to with `rangectl reset --to NAME`.

    A snapshot is the host's file system as it is now (`docker commit`), kept on
    its engine until `rangectl down` removes it with the range.
    """
    backend, state, plan = _opened(exercise)
    store = EventStore(state.events_path)
    try:
        resets = exercise_resets(backend, state, plan, store)
        if listing or name is None:
            refused = resets.refusal(team, host)
            if refused is not None:
                raise InvalidInputError(refused, "rangectl status lists the teams and hosts")
            for found in backend.snapshots(plan.exercise, team, host):
                click.echo(found)
            return
        resets.snapshot(team, host, name, WHITE_CELL)
    finally:
        store.close()
    stderr.print(line(f"saved {team}/{host} as snapshot {name}; return to it with: "
                      f"rangectl reset {team} {host} --to {name}"))
