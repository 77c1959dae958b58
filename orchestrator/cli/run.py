"""`rangectl run`: start (or resume) the exercise clock and run the timeline to its end."""

from __future__ import annotations

import signal
import threading
from typing import Any

import click
from rich.live import Live
from rich.table import Table

from orchestrator.baseline import wait_until_ready
from orchestrator.cli.common import EXERCISE_OPTION
from orchestrator.cli.errors import stderr
from orchestrator.cli.output import cells, console, line
from orchestrator.cli.reset import exercise_resets
from orchestrator.deploy import resolve_exercise
from orchestrator.errors import InvalidInputError
from orchestrator.events.store import EventStore
from orchestrator.exercise.clock import SystemClock
from orchestrator.exercise.engine import EngineStatus, ExerciseEngine
from orchestrator.exercise.progress import read_progress
from orchestrator.exercise.run_lock import hold_engine_lock
from orchestrator.plan import Plan
from orchestrator.runtime.backend import RangeBackend
from orchestrator.runtime.open import open_backend
from orchestrator.secrets import load_secrets
from orchestrator.state import ExerciseState


@click.command("run")
@EXERCISE_OPTION
@click.option("--speed", type=click.FloatRange(0.01, 10_000), default=1.0, show_default=True,
              help="Run the clock this many times faster (rehearsals: --speed 60).")
def run_command(exercise: str | None, speed: float) -> None:
    """Run the exercise's timeline: checks every tick, injects on time, for every team.

    Stopped (Ctrl-C, or the controller killed), it resumes where it was on the
    next `rangectl run`: no inject fires twice, no recorded result is lost.
    """
    backend = open_backend()
    state = ExerciseState(resolve_exercise(backend, exercise))
    plan = state.load_plan()
    if plan is None:
        raise InvalidInputError(f"exercise '{state.exercise}' has no plan",
                                "bring it up first: rangectl up FILE")
    secrets = load_secrets(state)
    with hold_engine_lock(state):
        finished, now = _run(backend, state, plan, secrets, speed)
    if finished:
        stderr.print(line((f"exercise {plan.exercise} finished", "green"),
                          f" at {_clock(now)}; events in {state.events_path}"))
    else:
        stderr.print(line((f"stopped at {_clock(now)}", "yellow"), "; `rangectl run` resumes it"))


def _run(backend: RangeBackend, state: ExerciseState, plan: Plan,
         secrets: dict[str, dict[str, str]], speed: float) -> tuple[bool, float]:
    store = EventStore(state.events_path)
    try:
        progress = read_progress(store.read())
        if progress.finished:
            raise InvalidInputError(f"exercise '{plan.exercise}' has finished",
                                    "score it, or start another with a new --exercise")
        if not progress.started:
            stderr.print(line("baseline gate: every team's checks must pass before the clock "
                              "starts"))
            wait_until_ready(backend, plan, secrets, store, lambda _t, _r: None, timeout=60)
        else:
            stderr.print(line(f"resuming at {_clock(progress.time)} (tick {progress.last_tick})"))
        stop = threading.Event()
        previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
        engine = ExerciseEngine(backend, plan, secrets, store,
                                SystemClock(speed, start=progress.time),
                                resets=lambda clock: exercise_resets(backend, state, plan,
                                                                     store, clock.now))
        with Live(_view(plan, engine.status), console=console(stderr=True),
                  refresh_per_second=4) as live:
            engine.on_update = lambda status: live.update(_view(plan, status))
            finished = engine.run(stop)
        signal.signal(signal.SIGINT, previous)
        return finished, min(engine.status.now, float(plan.duration))
    finally:
        store.close()


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def _view(plan: Plan, status: EngineStatus) -> Any:
    table = Table(title=line(f"exercise {plan.exercise}  {_clock(status.now)} / "
                             f"{_clock(plan.duration)}  tick {max(status.tick, 0)}"))
    table.add_column("team")
    table.add_column("checks (ok/degraded/down/error)")
    table.add_column("injects")
    for team in plan.teams:
        counts = status.checks.get(team.team, {})
        checks = "/".join(str(counts.get(k, 0)) for k in ("ok", "degraded", "down", "error"))
        outcomes = ", ".join(f"{name}: {outcome}" for name, outcome in
                             status.injects.get(team.team, {}).items())
        table.add_row(*cells(team.team, checks, outcomes))
    upcoming = ", ".join(f"{_clock(offset)} {name}" for offset, name in status.next_injects)
    table.caption = line(f"next: {upcoming or 'no more injects'}")
    return table
