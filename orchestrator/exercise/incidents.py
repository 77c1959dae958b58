"""Collect the incident reports trainees filed on their bastion, as events.

A bastion's spool is trainee territory: whatever is in it may be hostile (a
symbolic link, a FIFO, a huge file, deep nesting, keys the engine uses
itself). So the reader on the bastion (orchestrator/agents/spool_reader.py)
runs as the unprivileged `rangectl-spool` user, never follows or waits on
what it finds, and sends back each file's text under the name it read it as;
the engine checks that text against the report schema (scoring/incidents.py)
and records either `incident.reported` (the checked fields only) or
`incident.rejected` (file, owner, reason: the white cell sees it in the
report). Nothing a trainee writes can stop collection or scoring.

Files wait in the spool until the engine has recorded them; only then, at
the next collection, are they archived, by file name, so a crash between the
two loses nothing and records nothing twice. One reader stays running on each
bastion for the whole exercise (see orchestrator/runtime/docker/session.py):
each tick sends it the files to archive and gets back the next ones waiting,
in one round trip.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from orchestrator.agents import agent_source
from orchestrator.errors import RuntimeFailureError, unprintable
from orchestrator.events.kinds import INCIDENT_PREFIX, IncidentRejected, IncidentReported
from orchestrator.events.payload import Payload
from orchestrator.events.store import EventStore
from orchestrator.labels import BASTION
from orchestrator.runtime.backend import RangeBackend
from orchestrator.runtime.host_process import HostProcess
from scoring.incidents import NAME, ReportError, parse_report

SPOOL_USER = "rangectl-spool"  # made in images/bastion/Dockerfile; owns the spool
FILE_NAME = re.compile(r"([A-Za-z0-9][A-Za-z0-9_.-]{0,63})\.json")
MAX_FILE = 2048  # a file name as the reader escapes it (at most 255 bytes, escaped)
MAX_REASON = 300


@dataclass(frozen=True)
class SpoolEntry:
    """One file the reader found: its text, or why the reader would not read it."""

    file: str
    owner: str
    text: str | None
    reason: str | None


def spool_entries(answer: str, label: str) -> list[SpoolEntry]:
    """The reader's answer, checked: it comes from a host trainees use."""
    try:
        document = json.loads(answer)
    except (ValueError, RecursionError):
        raise RuntimeFailureError(f"{label}: the spool reader's answer is not JSON") from None
    if not isinstance(document, dict) or not isinstance(document.get("entries"), list):
        error = document.get("error") if isinstance(document, dict) else None
        raise RuntimeFailureError(f"{label}: the spool reader failed: "
                                  f"{str(error or 'no entries in its answer')[:MAX_REASON]}")
    entries = [_entry(item) for item in document["entries"]]
    return [entry for entry in entries if entry is not None]


def _entry(item: object) -> SpoolEntry | None:
    """One entry of the answer; None for what the reader we sent could not have written."""
    if not isinstance(item, dict) or not isinstance(item.get("file"), str) \
            or not 0 < len(item["file"]) <= MAX_FILE or not _printable(item["file"]):
        return None
    owner, text, reason = item.get("owner"), item.get("text"), item.get("reason")
    if not isinstance(owner, str) or len(owner) > 64 or not NAME.fullmatch(owner):
        owner = ""
    if isinstance(text, str):
        return SpoolEntry(item["file"], owner, text, None)
    if not isinstance(reason, str) or not reason or not _printable(reason):
        reason = "the reader sent nothing readable for it"
    return SpoolEntry(item["file"], owner, None, reason[:MAX_REASON])


def _printable(text: str) -> bool:
    return not any(unprintable(char) for char in text)


def unreadable(entry: SpoolEntry) -> str | None:
    """Why a spool file is not even read as what it claims to be (None: it may be):
    what the reader said, or a name that is not NAME.json. Both spools' rule."""
    if entry.reason is None and FILE_NAME.fullmatch(entry.file) is None:
        return "the file name is not NAME.json (letters, digits, '.', '_' and '-')"
    return entry.reason


def judge(entry: SpoolEntry, team: str, t: float) -> IncidentReported | IncidentRejected:
    """The event a spool entry becomes, collected at exercise time `t`. A report's id
    is its file name (unique in the spool, and what the file is archived as), never the id written
    inside it, and its reporter the account that owns the file when the reader could
    tell: neither is the trainee's say."""
    name = FILE_NAME.fullmatch(entry.file)
    reason = unreadable(entry)
    if reason is None and name is not None and entry.text is not None:
        try:
            report = parse_report(entry.text)
        except ReportError as exc:
            reason = str(exc)
        else:
            return IncidentReported(
                team=team, host=report.host or None, t=t, file=entry.file, id=name.group(1),
                reporter=entry.owner or report.reporter, technique=report.technique,
                indicators=report.indicators, seen=report.seen, filed=report.filed,
                summary=report.summary)
    return IncidentRejected(team=team, t=t, file=entry.file, owner=entry.owner,
                            reason=reason or "unreadable")


def known_files(store: EventStore, team: str) -> set[str]:
    """The spool files of a team already recorded, reported or rejected."""
    known = set()
    for event in store.read(INCIDENT_PREFIX):
        if event.team == team and event.kind in (IncidentReported.kind, IncidentRejected.kind):
            data = event.data if isinstance(event.data, dict) else {}
            known.add(str(data.get("file") or f"{data.get('id')}.json"))  # older: by id
    return known


Judge = Callable[[SpoolEntry, str, float], Payload]  # (entry, team, t): the event it becomes


class SpoolCollector:
    """One spool of one team's bastion, read each tick; every file recorded exactly once.

    `judge` turns each new file into the event recorded for it; `known` are the
    files already recorded (read from the store at start, so a resumed run never
    records one twice); `paths` the spool and its archive, as made in the image."""

    def __init__(self, backend: RangeBackend, exercise: str, team: str, store: EventStore,
                 judge: Judge, known: set[str], paths: tuple[str, str] | None = None) -> None:
        self.team = team
        self.store = store
        self.judge = judge
        self.known = known
        self.archive: list[str] = []  # recorded, still in the spool
        reader = ["python3", "-I", "-c", agent_source("spool_reader"), *(paths or ())]
        self.process = HostProcess(backend, exercise, team, BASTION, reader, user=SPOOL_USER,
                                   warm_up=json.dumps({"archive": []}))  # reads, moves nothing

    def collect(self, t: float) -> list[Payload]:
        """Record the team's new files; return the events they became."""
        answer = self.process.request(json.dumps({"archive": self.archive}), timeout=15)
        try:
            entries = spool_entries(answer, f"team '{self.team}', bastion")
        except RuntimeFailureError:
            self.process.close()  # started afresh at the next tick; the spool keeps them
            raise
        recorded = []
        for entry in entries:
            if entry.file in self.known:
                continue
            event = self.judge(entry, self.team, t)
            self.store.record(event)
            self.known.add(entry.file)
            recorded.append(event)
        self.archive = [entry.file for entry in entries]
        return recorded


def incident_collector(backend: RangeBackend, exercise: str, team: str,
                       store: EventStore) -> SpoolCollector:
    """The collector of a team's incident reports (the spool reader's default paths)."""
    return SpoolCollector(backend, exercise, team, store, judge, known_files(store, team))
