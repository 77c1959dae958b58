"""The blue teams of `make demo`: what trainees would do, scripted, so the demo's
report shows defence and detection as well as availability.

    harden    Tallinn firewalls the historian's exposed admin port (9000), so the
              `historian-tamper` inject is blocked.
    report    Ottawa watches for two attacks and files an incident report for
              each from its bastion (as trainees do, with the `incident`
              command over SSH), so they earn detection points.

Both act only through the teams' own access kits (SSH through each team's
bastion), never through Docker.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from orchestrator.events.kinds import ExerciseFinished, InjectFired
from orchestrator.events.store import EventStore
from orchestrator.state import ExerciseState

EXERCISE = "arctic-sentinel"
RANGECTL = Path(sys.executable).parent / "rangectl"
REPORTS = {  # inject -> what Ottawa reports when it fires
    "portal-command-injection": ("portal", "T1190", "commands run through the diagnostics page"),
    "operator-password-guess": ("workstation", "T1110.001", "password guessing on operator"),
}


def kit(team: str) -> Path:
    directory = ExerciseState(EXERCISE).directory / "demo-kits" / team
    if not (directory / "ssh_config").exists():
        subprocess.run([str(RANGECTL), "access", team, "--out", str(directory), "--exercise",
                        EXERCISE], check=True, capture_output=True)
    return directory


def ssh(team: str, host: str, command: str) -> None:
    subprocess.run(["ssh", "-F", str(kit(team) / "ssh_config"), "-o", "BatchMode=yes", host,
                    command], check=True, timeout=60, capture_output=True)


def harden() -> None:
    ssh("tallinn", "historian", "sudo iptables -I INPUT -p tcp --dport 9000 -j DROP")
    print("demo: Tallinn's blue team closed the historian's admin port 9000")


def report() -> None:
    state = ExerciseState(EXERCISE)
    plan = state.load_plan()
    assert plan is not None
    red = plan.team("ottawa").host("red").addresses
    indicator = next(iter(red.values()))
    kit("ottawa")
    pending = dict(REPORTS)
    deadline = time.monotonic() + 600
    store = EventStore(state.events_path)
    try:
        while pending and time.monotonic() < deadline:
            fired = {e.data["inject"] for e in store.read(InjectFired.kind) if e.team == "ottawa"}
            finished = any(True for _ in store.read(ExerciseFinished.kind))
            for inject in [name for name in pending if name in fired]:
                host, technique, summary = pending.pop(inject)
                ssh("ottawa", "bastion", f"incident --host {host} --technique {technique} "
                    f"--indicator {indicator} --summary '{summary}'")
                print(f"demo: Ottawa's blue team reported {inject} ({technique} on {host})")
            if finished:
                break
            time.sleep(0.5)
    finally:
        store.close()


if __name__ == "__main__":
    {"harden": harden, "report": report}[sys.argv[1]]()
