"""`make bench`: deploy and tear down N teams x 10 hosts, rangectl against raw Docker.

Prints wall time and the ratio rangectl/raw for `up` (without provisioning) and
`down`, and counts leftovers. Target: ratio <= 1.25 at both sizes, zero
leftovers. Runs alternate (raw, rangectl, raw, ...) so a warming cache or a
busy moment favours neither side.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.raw_docker import raw_down, raw_leftovers, raw_up
from benchmarks.synthetic import write_scenario
from orchestrator.deploy import bring_up
from orchestrator.labels import selector
from orchestrator.plan import plan_loaded
from orchestrator.runtime.docker.client import connect
from orchestrator.runtime.events import ignore
from orchestrator.runtime.open import open_backend
from orchestrator.scenario.loader import load_scenario
from orchestrator.state import ExerciseState

WORKERS = 8


def timed(action: object) -> float:
    start = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - start


def measure(teams: int, rounds: int, directory: Path,
            overlay: bool = False) -> dict[str, float | int]:
    backend = open_backend(WORKERS)
    api = connect(WORKERS + 4)  # the raw-Docker floor talks to the engine itself
    loaded = load_scenario(write_scenario(directory, teams))
    exercise = f"bench-{teams}"
    builder = backend.image_builder(lambda _event: None)
    builder.ensure(["host", "red", "scorebot", "bastion"])
    raw_plan = plan_loaded(loaded, exercise=f"raw{teams}", pool="10.160.0.0/12",
                           reserved=backend.reserved_subnets(f"raw{teams}"))
    results: dict[str, list[float]] = {"raw_up": [], "raw_down": [], "up": [], "down": []}
    leftovers = 0
    for _ in range(rounds):
        try:
            results["raw_up"].append(timed(lambda: raw_up(api, raw_plan, WORKERS, overlay)))
        except Exception:
            raw_down(api, raw_plan.exercise, WORKERS)  # a failed floor leaves nothing behind
            raise
        results["raw_down"].append(timed(lambda: raw_down(api, raw_plan.exercise, WORKERS)))
        leftovers += raw_leftovers(api, raw_plan.exercise)
        results["up"].append(timed(lambda: bring_up(loaded, backend, builder, exercise=exercise,
                                                    max_workers=WORKERS, provision_hosts=False)))
        results["down"].append(timed(lambda: backend.teardown(exercise, ignore, WORKERS)))
        leftovers += len(backend.status(exercise)) + sum(
            1 for _ in api.networks(filters={"label": selector(exercise)}))
    ExerciseState(exercise).purge()
    median = {key: statistics.median(values) for key, values in results.items()}
    return {"teams": teams, "containers": teams * 10, **median,
            "up_ratio": median["up"] / median["raw_up"],
            "down_ratio": median["down"] / median["raw_down"], "leftovers": leftovers}


def verdict(row: dict[str, float | int]) -> str:
    """Target: rangectl within 1.25x of the raw floor both ways, nothing left behind."""
    return "ok" if max(row["up_ratio"], row["down_ratio"]) <= 1.25 \
        and row["leftovers"] == 0 else "OVER TARGET"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="2,24", help="team counts, comma-separated")
    parser.add_argument("--rounds", type=int, default=3, help="rounds at sizes below 10 teams")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        os.environ.setdefault("RANGECTL_STATE_DIR", str(Path(temporary) / "state"))
        print(f"{'size':>16} {'raw up':>8} {'up':>8} {'ratio':>6} {'raw down':>9} "
              f"{'down':>8} {'ratio':>6} {'leftovers':>9}")
        for teams in (int(size) for size in args.sizes.split(",")):
            row = measure(teams, args.rounds if teams < 10 else 1, Path(temporary))
            print(f"{teams:>3} teams x 10 = {row['containers']:>3} {row['raw_up']:>7.2f}s "
                  f"{row['up']:>7.2f}s {row['up_ratio']:>6.2f} {row['raw_down']:>8.2f}s "
                  f"{row['down']:>7.2f}s {row['down_ratio']:>6.2f} {row['leftovers']:>9} "
                  f"{verdict(row)}", flush=True)


if __name__ == "__main__":
    main()
