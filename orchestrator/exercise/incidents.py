"""Collect the incident reports trainees filed on their bastion, as events.

Reports wait as files in the bastion's spool until the engine has recorded
them (`incident.reported`); only then, at the next collection, are they
archived, and a report already recorded is never recorded again, so a crash
between the two loses nothing and duplicates nothing.

A small collector stays running on each bastion for the whole exercise (see
orchestrator/runtime/docker/session.py): each tick sends it the reports to
archive and gets back the ones still in the spool, in one round trip.
"""

from __future__ import annotations

import json
from typing import Any

from orchestrator.events.store import EventStore
from orchestrator.runtime.backend import RangeBackend
from orchestrator.runtime.host_process import HostProcess

SPOOL = "/var/spool/rangectl/incidents"
_COLLECTOR = f"""
import glob, json, os, sys
SPOOL = {SPOOL!r}
for line in sys.stdin:
    request = json.loads(line)
    os.makedirs(SPOOL + "/done", exist_ok=True)
    for name in request.get("archive", []):
        if name.replace("-", "").isalnum():
            try:
                os.replace(SPOOL + "/" + name + ".json", SPOOL + "/done/" + name + ".json")
            except OSError:
                pass
    reports = []
    for path in sorted(glob.glob(SPOOL + "/*.json")):
        try:
            with open(path, encoding="utf-8") as handle:
                reports.append(json.load(handle))
        except (OSError, ValueError):
            pass
    print(json.dumps(reports), flush=True)
"""


class IncidentCollector:
    """One team's bastion spool, read each tick; every report recorded exactly once."""

    def __init__(self, backend: RangeBackend, exercise: str, team: str,
                 store: EventStore) -> None:
        self.team = team
        self.store = store
        self.known = {str(e.data.get("id")) for e in store.read("incident.reported")
                      if e.team == team}
        self.archive: list[str] = []  # recorded, still in the spool
        self.process = HostProcess(backend, exercise, team, "bastion",
                                   ["python3", "-c", _COLLECTOR])

    def collect(self, t: float) -> int:
        """Record the team's new reports; return how many."""
        answer = self.process.request(json.dumps({"archive": self.archive}), timeout=15)
        try:
            reports = [r for r in json.loads(answer) if isinstance(r, dict)]
        except (TypeError, ValueError):
            self.process.close()  # started afresh at the next tick; the spool keeps them
            raise
        new = [r for r in reports if str(r.get("id")) not in self.known]
        for report in new:
            self._record(report, t)
        self.archive = [str(r.get("id")) for r in reports]
        return len(new)

    def _record(self, report: dict[str, Any], t: float) -> None:
        self.store.append("incident.reported", team=self.team, host=str(report.get("host", "")),
                          t=t, **{k: v for k, v in report.items() if k != "host"})
        self.known.add(str(report.get("id")))
