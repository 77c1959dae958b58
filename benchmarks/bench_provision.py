"""`make bench` (second part): time to bring scenarios to ready, by phase.

For quickstart and arctic-sentinel with two teams: each step of `up` (images
and plan together, deploy, provision with Ansible, the baseline gate), with
Ansible's seconds per host and per task; then a second `up` (Ansible
finds nothing to change); then, for the flagship, the same first run without
Mitogen, to show what it buys. Target: the flagship ready in under 90 s.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from orchestrator.deploy import UpResult, bring_up
from orchestrator.runtime.events import ignore
from orchestrator.runtime.open import open_backend
from orchestrator.scenario.loader import load_scenario
from orchestrator.state import ExerciseState

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def up(name: str, exercise: str) -> UpResult:
    backend = open_backend()
    builder = backend.image_builder(lambda _event: None)
    return bring_up(load_scenario(SCENARIOS / f"{name}.yml"), backend, builder,
                    exercise=exercise)


def row(label: str, result: UpResult) -> str:
    seconds = result.seconds
    total = sum(seconds.values())
    hosts = sum(p.hosts for p in result.provisioned)
    tasks = sum(p.tasks for p in result.provisioned)
    changed = sum(p.changed for p in result.provisioned)
    verdict = "ok" if total < 90 else "OVER TARGET"
    before = seconds["images"] + seconds["plan"]
    ansible = seconds["provision"]
    return (f"{label:<34} {before:>6.1f}s {seconds['deploy']:>6.1f}s {ansible:>6.1f}s "
            f"{seconds['gate']:>5.1f}s {total:>6.1f}s {ansible / hosts:>6.2f} "
            f"{ansible / max(tasks, 1):>6.3f} {changed:>7} {verdict}")


def measure(name: str, compare_plain: bool) -> None:
    exercise = f"bench-{name}"
    backend = open_backend()
    try:
        print(row(f"{name}, 2 teams, first up", up(name, exercise)), flush=True)
        print(row(f"{name}, 2 teams, second up", up(name, exercise)), flush=True)
    finally:
        backend.teardown(exercise, ignore, 8)
        ExerciseState(exercise).purge()
    if not compare_plain:
        return
    os.environ["RANGECTL_MITOGEN"] = "0"
    try:
        print(row(f"{name}, first up, without Mitogen", up(name, exercise)), flush=True)
    finally:
        os.environ.pop("RANGECTL_MITOGEN")
        backend.teardown(exercise, ignore, 8)
        ExerciseState(exercise).purge()


def main() -> None:
    with tempfile.TemporaryDirectory() as temporary:
        os.environ.setdefault("RANGECTL_STATE_DIR", str(Path(temporary) / "state"))
        print(f"{'run':<34} {'img+pl':>7} {'deploy':>7} {'ansible':>7} {'gate':>6} {'total':>7} "
              f"{'s/host':>6} {'s/task':>6} {'changed':>7}")
        measure("quickstart", compare_plain=False)
        measure("arctic-sentinel", compare_plain=True)


if __name__ == "__main__":
    main()
