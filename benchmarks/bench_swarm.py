"""`make bench` (fifth part): the same figures on a Docker Swarm, at 24 teams.

This machine's engine becomes a single-node swarm for the run (and leaves it
after), its node labelled with every site, so the figures are the Swarm
backend's own cost (overlays, placement, node lookups), not a network's:

- up/down of 24 teams x 10 hosts against the raw-Docker floor making the same
  objects (encrypted attachable overlays and containers), target <= 1.25x;
- the engine at 24 teams: checks per second (target >= 1000), inject skew
  between teams (target < 250 ms), and the controller's peak memory
  (target < 200 MB);
- 24 teams of a flagship-like range (arctic-sentinel plus one host: 10
  containers a team) brought to ready, containers, Ansible and the baseline
  gate, by phase: target < 4 min.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
from pathlib import Path
from typing import Any

import yaml

from benchmarks import bench_engine, bench_runtime
from orchestrator.deploy import bring_up
from orchestrator.errors import RangectlError
from orchestrator.runtime.events import ignore
from orchestrator.runtime.open import open_backend
from orchestrator.scenario.loader import load_scenario
from orchestrator.state import ExerciseState
from tests.integration import swarm_cluster as cluster

TEAMS = 24
SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def flagship_like(teams: int) -> dict[str, Any]:
    scenario: dict[str, Any] = yaml.safe_load(
        (SCENARIOS / "arctic-sentinel.yml").read_text(encoding="utf-8"))
    scenario["teams"] = [{"id": f"t{i:02d}", "name": f"Team {i}",
                          "site": "ottawa" if i % 2 == 0 else "tallinn", "timezone": "UTC"}
                         for i in range(teams)]
    scenario["hosts"].append({"name": "spare", "description": "A second workstation.",
                              "networks": ["internal"], "resources": {"memory": "64m"}})
    return scenario


def ready(directory: Path) -> dict[str, float]:
    path = directory / "flagship-like.yml"
    path.write_text(yaml.safe_dump(flagship_like(TEAMS), sort_keys=False), encoding="utf-8")
    exercise = "bench-swarm-flagship"
    backend = open_backend(16)
    try:
        result = bring_up(load_scenario(path), backend, backend.image_builder(lambda _e: None),
                          exercise=exercise, max_workers=16, gate_timeout=300)
        return {**result.seconds, "hosts": float(sum(t.hosts for t in result.provisioned))}
    finally:
        try:
            backend.teardown(exercise, ignore, 8)
        except RangectlError as exc:
            print(f"teardown of {exercise} failed: {exc.message}", flush=True)
        ExerciseState(exercise).purge()


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


PARTS = ("runtime", "engine", "ready")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--parts", default=",".join(PARTS), help="comma-separated: "
                        + ", ".join(PARTS))
    parts = [part for part in parser.parse_args().parts.split(",") if part in PARTS]
    if cluster.swarm_state() != "inactive":
        raise SystemExit("this engine is already in a swarm; bench_swarm makes its own")
    manager = cluster.start_manager()
    os.environ["RANGECTL_BACKEND"] = "swarm"
    try:
        cluster.label_node(manager.node_id, site="lab,ottawa,tallinn")
        with tempfile.TemporaryDirectory() as temporary:
            os.environ.setdefault("RANGECTL_STATE_DIR", str(Path(temporary) / "state"))
            run(Path(temporary), parts)
    finally:
        os.environ.pop("RANGECTL_BACKEND")
        cluster.stop_manager()


def run(directory: Path, parts: list[str]) -> None:
    if "runtime" in parts:
        runtime(directory)
    if "engine" in parts:
        engine(directory)
    if "ready" in parts:
        flagship(directory)


def runtime(directory: Path) -> None:
    row = bench_runtime.measure(TEAMS, 1, directory, overlay=True)
    print(f"swarm up/down, {TEAMS} teams x 10: raw up {row['raw_up']:.2f}s, up "
          f"{row['up']:.2f}s ({row['up_ratio']:.2f}x); raw down {row['raw_down']:.2f}s, down "
          f"{row['down']:.2f}s ({row['down_ratio']:.2f}x); leftovers {row['leftovers']} "
          f"{bench_runtime.verdict(row)}", flush=True)


def engine(directory: Path) -> None:
    engine = bench_engine.measure(TEAMS, directory)
    memory = peak_memory_mb()
    verdict = "ok" if engine["checks_per_s"] >= 1000 and engine["skew_ms"] < 250 \
        and memory < 200 else "OVER TARGET"
    print(f"swarm engine, {TEAMS} teams: {engine['checks']:.0f} checks ({engine['ok']:.0f} ok), "
          f"{engine['checks_per_s']:.0f} checks/s, jitter {engine['jitter_ms']:.0f} ms "
          f"(max {engine['jitter_max_ms']:.0f}), skew {engine['skew_ms']:.0f} ms, controller "
          f"peak {memory:.0f} MB {verdict}", flush=True)


def flagship(directory: Path) -> None:
    seconds = ready(directory)
    total = sum(value for key, value in seconds.items() if key != "hosts")
    phases = ", ".join(f"{key} {value:.1f}s" for key, value in seconds.items() if key != "hosts")
    print(f"swarm flagship-like ready, {TEAMS} teams ({seconds['hosts']:.0f} hosts "
          f"provisioned): {phases}; total {total:.1f}s "
          f"{'ok' if total < 240 else 'OVER TARGET'}", flush=True)


if __name__ == "__main__":
    main()
