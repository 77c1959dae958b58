"""`make bench` (third part): the exercise engine on real ranges.

For 1 (one scorebot alone), 2 and 24 teams of a small synthetic range (containers only; each host's
SSH banner, web page and a scorebot-side command checked every 10 s; injects
that run `true` from red): checks per second while a tick runs,
tick jitter (how late each tick starts against its schedule) and inject skew
(the spread of the moment an inject starts across teams). Targets: >= 1000
checks/s overall, jitter < 100 ms, skew < 250 ms at 24 teams.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from orchestrator.baseline import wait_until_ready
from orchestrator.deploy import bring_up
from orchestrator.errors import RangectlError
from orchestrator.events.kinds import (
    CheckCompleted,
    ExerciseStarted,
    InjectCompleted,
    TickCompleted,
)
from orchestrator.events.store import EventStore
from orchestrator.exercise.clock import SystemClock
from orchestrator.exercise.engine import ExerciseEngine
from orchestrator.runtime.events import ignore
from orchestrator.runtime.open import open_backend
from orchestrator.scenario.loader import load_scenario
from orchestrator.state import ExerciseState

HOSTS = 7  # web hosts: sshd and nginx answer without provisioning


def scenario(teams: int) -> dict[str, Any]:
    services = [
        {"name": "ssh", "port": 22, "check": {"type": "tcp", "banner": "SSH-2.0"}},
        {"name": "http", "port": 80,
         "check": {"type": "http", "path": "/", "contains": "provisioned"}},
        {"name": "diag", "port": 8081, "scored": True,
         "check": {"type": "command", "run": "true"}},
    ]

    return {
        "version": 1, "name": f"engine-bench-{teams}", "duration": "40s", "tick": "10s",
        "teams": [{"id": f"t{i:02d}", "name": f"Team {i}", "site": "lab", "timezone": "UTC"}
                  for i in range(teams)],
        "networks": [{"name": "lan"}],
        "hosts": [{"name": f"h{i}", "image": "web", "networks": ["lan"],
                   "resources": {"memory": "64m", "pids": 64}, "services": services}
                  for i in range(HOSTS)],
        "injects": [{"name": "noop", "tactic": "execution", "technique": "T1059",
                     "at": "5s", "target": {"host": "h0"}, "steps": [{"run": "true"}]},
                    {"name": "noop-2", "tactic": "execution", "technique": "T1059",
                     "at": "25s", "target": {"host": "h1"}, "steps": [{"run": "true"}]}],
    }


def measure(teams: int, directory: Path) -> dict[str, float]:
    path = directory / f"engine-{teams}.yml"
    path.write_text(yaml.safe_dump(scenario(teams), sort_keys=False), encoding="utf-8")
    loaded = load_scenario(path)
    exercise = f"engine-bench-{teams}"
    backend = open_backend(60)
    builder = backend.image_builder(lambda _event: None)
    try:
        result = bring_up(loaded, backend, builder, exercise=exercise, provision_hosts=False)
        state = ExerciseState(exercise)
        store = EventStore(state.events_path)
        # As `rangectl run` does: the clock starts once every team passes its checks.
        wait_until_ready(backend, result.plan, {}, store, lambda _t, _r: None, timeout=180)
        clock = SystemClock(1.0)
        engine = ExerciseEngine(backend, result.plan, {}, store, clock)
        engine.run(threading.Event())
        # The clock runs from the moment the exercise starts (after the engine has
        # started its scorebot and bastion sessions, with the clock held).
        wall_start = _epoch(next(store.read(ExerciseStarted.kind)).time)
        ticks = list(store.read(TickCompleted.kind))
        checks = list(store.read(CheckCompleted.kind))
        fired: dict[str, list[float]] = {}
        for event in store.read(InjectCompleted.kind):
            fired.setdefault(event.data["inject"], []).append(float(event.data["started"]))
        store.close()
        # A tick's checks start at its scheduled moment plus the jitter; the tick event is
        # written when they end, after `seconds` of checking.
        lateness = [
            (_epoch(e.time) - float(e.data["seconds"])) - (wall_start + float(e.data["t"]))
            for e in ticks]
        busy = sum(float(e.data["seconds"]) for e in ticks)
        ok = sum(1 for e in checks if e.data["result"] == "ok")
        return {"teams": teams, "checks": len(checks), "ok": ok,
                "checks_per_s": len(checks) / busy if busy else 0.0,
                "jitter_ms": 1000 * statistics.median(lateness),
                "jitter_max_ms": 1000 * max(lateness),
                "skew_ms": 1000 * max(max(v) - min(v) for v in fired.values())}
    finally:
        try:
            backend.teardown(exercise, ignore, 8)
        except RangectlError as exc:  # the figures stand; say what was left behind
            print(f"teardown of {exercise} failed: {exc.message} ({exc.hint})", flush=True)
        ExerciseState(exercise).purge()


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


def main() -> None:
    with tempfile.TemporaryDirectory() as temporary:
        os.environ.setdefault("RANGECTL_STATE_DIR", str(Path(temporary) / "state"))
        print(f"{'teams':>5} {'checks':>7} {'ok':>6} {'checks/s':>9} {'jitter':>8} "
              f"{'max':>8} {'skew':>8}")
        for teams in (1, 2, 24):  # one scorebot alone, then 2 and 24 together
            row = measure(teams, Path(temporary))
            verdict = "ok" if (row["jitter_max_ms"] < 100 and row["skew_ms"] < 250
                               and (teams < 24 or row["checks_per_s"] >= 1000)) else "OVER TARGET"
            print(f"{teams:>5} {row['checks']:>7.0f} {row['ok']:>6.0f} "
                  f"{row['checks_per_s']:>9.0f} {row['jitter_ms']:>6.0f}ms "
                  f"{row['jitter_max_ms']:>6.0f}ms {row['skew_ms']:>6.0f}ms {verdict}", flush=True)


if __name__ == "__main__":
    main()
