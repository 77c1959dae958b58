"""`make bench`: a wrecked host of the flagship back and passing its checks (target < 20 s).

For each range host of arctic-sentinel (one team): the host's service is
stopped, then `rangectl reset` puts it back (recreate, Ansible for that one
host, its checks from the scorebot), timed from the reset's own events; and
the floor in the same run: removing and making again the same container with
the plain Docker SDK (no Ansible, no checks). A snapshot and a return to it
are timed too.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.raw_docker import raw_down, raw_replace, raw_up
from orchestrator.cli.reset import exercise_resets
from orchestrator.deploy import bring_up
from orchestrator.events.store import EventStore
from orchestrator.plan import plan_loaded
from orchestrator.reset import ResetOrder
from orchestrator.runtime.docker.client import connect
from orchestrator.runtime.events import ignore
from orchestrator.runtime.open import open_backend
from orchestrator.scenario.loader import load_scenario
from orchestrator.state import ExerciseState

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "arctic-sentinel.yml"
TEAM = "ottawa"
TARGET = 20.0
WRECK = "for s in /etc/service/*; do sv down \"$s\"; done 2>/dev/null; true"


def floor(hosts: list[str]) -> dict[str, float]:
    """Seconds to remove and make again each host's container, with the plain SDK."""
    api = connect()
    plan = plan_loaded(load_scenario(SCENARIO), exercise="bench-reset-raw", teams=[TEAM],
                       reserved=open_backend().reserved_subnets("bench-reset-raw"))
    team = plan.team(TEAM)
    seconds = {}
    try:
        raw_up(api, plan, 4)
        for name in hosts:
            started = time.monotonic()
            raw_replace(api, plan, team, team.host(name))
            seconds[name] = time.monotonic() - started
    finally:
        raw_down(api, plan.exercise, 4)
    return seconds


def main() -> None:
    with tempfile.TemporaryDirectory() as temporary:
        os.environ.setdefault("RANGECTL_STATE_DIR", str(Path(temporary) / "state"))
        exercise = "bench-reset"
        backend = open_backend()
        loaded = load_scenario(SCENARIO)
        hosts = [h.name for h in plan_loaded(loaded, teams=[TEAM]).team(TEAM).hosts
                 if h.role == "range"]
        raw = floor(hosts)
        try:
            result = bring_up(loaded, backend, backend.image_builder(lambda _event: None),
                              exercise=exercise, teams=[TEAM])
            state = ExerciseState(exercise)
            store = EventStore(state.events_path)
            resets = exercise_resets(backend, state, result.plan, store)
            print(f"{'reset of ' + TEAM + '/HOST':<28} {'reset':>7} {'raw':>6} {'ratio':>6}")
            taken = []
            for name in hosts:
                backend.exec(exercise, TEAM, name, ["sh", "-c", WRECK])
                ended = resets.reset(ResetOrder(TEAM, name, "white-cell", "bench"))
                seconds = float(getattr(ended, "seconds", float("nan")))
                taken.append(seconds)
                verdict = "ok" if getattr(ended, "ok", False) and seconds < TARGET \
                    else f"OVER TARGET {ended}"
                print(f"{name:<28} {seconds:>6.2f}s {raw[name]:>5.2f}s "
                      f"{seconds / raw[name]:>5.1f}x {verdict}", flush=True)
            started = time.monotonic()
            resets.snapshot(TEAM, "portal", "bench", "white-cell")
            snap = time.monotonic() - started
            back = resets.reset(ResetOrder(TEAM, "portal", "white-cell", "bench", "bench"))
            print(f"{'snapshot portal':<28} {snap:>6.2f}s")
            print(f"{'reset portal --to snapshot':<28} {float(getattr(back, 'seconds', 0)):>6.2f}s")
            print(f"resets: median {statistics.median(taken):.2f}s, slowest {max(taken):.2f}s "
                  f"(target < {TARGET:g}s: {'ok' if max(taken) < TARGET else 'OVER TARGET'})")
            store.close()
        finally:
            backend.teardown(exercise, ignore, 8)
            ExerciseState(exercise).purge()


if __name__ == "__main__":
    main()
