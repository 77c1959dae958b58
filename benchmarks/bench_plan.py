"""`make bench` (first part): `rangectl validate` as a whole process, from 1 to 1000 teams.

Validation plans the scenario for every team (subnets, every template rendered
per team), so its time must grow linearly with teams: a white cell validates
a large exercise in seconds, and a hostile scenario cannot stall the
controller by size alone. Two shapes: the synthetic 10-host range of the
runtime benchmark, and the flagship (7 injects, templates, weak passwords)
with its teams multiplied. Target: 1000 teams in under 2 s; the figure to
read is the last column, seconds per team against the 100-team run's (near
1.0 means linear). The baseline is `rangectl validate` of the same file with
one team, measured in the same run: Python's and the CLI's start-up.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from benchmarks.synthetic import synthetic_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
RANGECTL = Path(sys.executable).parent / "rangectl"
TARGET_SECONDS = 2.0


def flagship(teams: int) -> dict[str, Any]:
    scenario: dict[str, Any] = yaml.safe_load(
        (SCENARIOS / "arctic-sentinel.yml").read_text(encoding="utf-8"))
    scenario["teams"] = [{"id": f"t{i:04d}", "name": f"Team {i}", "site": "ottawa",
                          "timezone": "UTC"} for i in range(teams)]
    scenario["addressing"] = {"pool": "10.0.0.0/8"}
    return scenario


def synthetic(teams: int) -> dict[str, Any]:
    scenario = synthetic_scenario(teams)
    scenario["addressing"] = {"pool": "10.0.0.0/8"}
    return scenario


def validate_seconds(path: Path, rounds: int) -> float:
    """Median wall time of `rangectl validate PATH`; it must succeed."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        result = subprocess.run([str(RANGECTL), "validate", str(path)], capture_output=True,
                                text=True, check=False)
        times.append(time.perf_counter() - start)
        if result.returncode != 0:
            raise SystemExit(f"validate {path} failed: {result.stderr[-500:]}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1,100,500,1000", help="team counts")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"{'scenario':>10} {'teams':>6} {'validate':>9} {'over 1 team':>12} "
          f"{'s/team vs 100':>14}")
    with tempfile.TemporaryDirectory() as temporary:
        for name, build in (("synthetic", synthetic), ("flagship", flagship)):
            seconds: dict[int, float] = {}
            for teams in sorted({1, *sizes}):
                path = Path(temporary) / f"{name}-{teams}.yml"
                path.write_text(yaml.safe_dump(build(teams), sort_keys=False), encoding="utf-8")
                seconds[teams] = validate_seconds(path, args.rounds)
                work = seconds[teams] - seconds[1]
                per_team = ""
                if teams > 100 and 100 in seconds and seconds[100] > seconds[1]:
                    scale = (work / teams) / ((seconds[100] - seconds[1]) / 100)
                    per_team = f"{scale:.2f}"
                verdict = "" if teams < 1000 else (
                    " ok" if seconds[teams] < TARGET_SECONDS else " OVER TARGET")
                print(f"{name:>10} {teams:>6} {seconds[teams]:>8.2f}s {work:>11.2f}s "
                      f"{per_team:>14}{verdict}", flush=True)


if __name__ == "__main__":
    main()
