"""Collect the incident reports trainees filed on their bastion, as events.

Reports wait as files in the bastion's spool until the engine has recorded
them (`incident.reported`); only then are they archived, and a report already
recorded is never recorded again, so a crash between the two loses nothing
and duplicates nothing.
"""

from __future__ import annotations

import json

from orchestrator.events.store import EventStore
from orchestrator.runtime.backend import RangeBackend

SPOOL = "/var/spool/rangectl/incidents"
_READ = f"""
import glob, json, os
reports = []
for path in sorted(glob.glob("{SPOOL}/*.json")):
    try:
        with open(path, encoding="utf-8") as handle:
            reports.append(json.load(handle))
    except (OSError, ValueError):
        pass
print(json.dumps(reports))
"""


def collect_incidents(backend: RangeBackend, exercise: str, team: str, store: EventStore,
                      t: float) -> int:
    """Record the team's new reports; return how many."""
    result = backend.exec(exercise, team, "bastion", ["python3", "-c", _READ], timeout=15)
    if result.exit_code != 0:
        return 0
    try:
        reports = json.loads(result.output.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return 0
    known = {e.data.get("id") for e in store.read("incident.reported") if e.team == team}
    new = [r for r in reports if isinstance(r, dict) and r.get("id") not in known]
    for report in new:
        store.append("incident.reported", team=team, host=str(report.get("host", "")), t=t,
                     **{k: v for k, v in report.items() if k != "host"})
    done = [str(r.get("id")) for r in reports if isinstance(r, dict)]
    if done:
        archive = " ".join(f"{SPOOL}/{name}.json" for name in done
                           if name.replace("-", "").isalnum())
        backend.exec(exercise, team, "bastion",
                     ["sh", "-c", f"mkdir -p {SPOOL}/done && mv -f {archive} {SPOOL}/done/"],
                     timeout=15)
    return len(new)
