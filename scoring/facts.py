"""The facts scoring needs, read from an exercise's events.

Scores are a pure function of the event store: this module is the one place
that knows which event kinds matter and what their data means. It is lenient
with history it cannot use (a tick re-run after a crash keeps its last result;
a repeated firing of an inject keeps the first) so that every later step can
be simple and exact. Incident reports are trainees' words: each stored one is
checked against the report schema again (scoring/incidents.py), and one that
does not pass is listed with the rejected files instead of being scored, so
no stored report, whatever its shape, can stop scoring.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from orchestrator.events.kinds import (
    CheckCompleted,
    ChecksVoided,
    ExerciseFinished,
    ExerciseStarted,
    HostResetFinished,
    HostResetStarted,
    IncidentRejected,
    IncidentReported,
    InjectCompleted,
    InjectFired,
    InjectInterrupted,
    InjectVoided,
    PenaltyApplied,
    ReportVoided,
)
from scoring.incidents import ReportError, stored_report


class EventLike(Protocol):
    """What scoring reads of an event (orchestrator.events.store.Event fits)."""

    @property
    def seq(self) -> int: ...
    @property
    def time(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def team(self) -> str | None: ...
    @property
    def host(self) -> str | None: ...
    @property
    def data(self) -> dict[str, Any]: ...


VOIDED = "voided by the white cell"  # the reason shown when a ruling gave none


@dataclass(frozen=True)
class CheckFact:
    team: str
    check: str  # HOST/SERVICE
    tick: int
    t: float
    result: str  # ok, degraded, down, error
    detail: str
    seq: int
    time: str


@dataclass(frozen=True)
class InjectFact:
    """The scored firing of one inject for one team, and how it ended (if it has)."""

    team: str
    inject: str
    t: float
    technique: str
    target: str
    manual: bool
    fired_seq: int
    fired_time: str
    outcome: str | None = None  # succeeded, blocked, error, interrupted; None: still running
    ended_seq: int | None = None
    ended_time: str | None = None


@dataclass(frozen=True)
class ReportFact:
    team: str
    id: str
    host: str
    technique: str
    indicators: tuple[str, ...]
    summary: str
    reporter: str
    seen: str
    filed: str
    t: float  # exercise time it was collected at
    seq: int
    time: str


@dataclass(frozen=True)
class RejectedReport:
    """A spool file the engine did not take as a report (or a stored report that no
    longer reads as one), with why: shown to the white cell, never scored."""

    team: str
    file: str
    owner: str
    reason: str
    t: float
    seq: int
    time: str


@dataclass(frozen=True)
class ReportVoid:
    team: str | None  # None: the report id of whichever team filed it
    id: str
    reason: str
    seq: int


@dataclass(frozen=True)
class InjectVoid:
    inject: str
    team: str | None  # None: every team
    reason: str
    seq: int


@dataclass(frozen=True)
class CheckVoid:
    start: float
    end: float
    team: str | None
    check: str | None  # None: every check
    reason: str
    seq: int

    def covers(self, fact: CheckFact) -> bool:
        return (self.start <= fact.t <= self.end
                and self.team in (None, fact.team) and self.check in (None, fact.check))


@dataclass(frozen=True)
class ManualPenalty:
    team: str
    rule: str
    reason: str
    t: float
    seq: int
    time: str


@dataclass(frozen=True)
class HostReset:
    """A host put back mid-exercise (`rangectl reset`, or a trainee's `reset`): when,
    by whom and why; how long it took and whether it worked, once it ended."""

    team: str
    host: str
    t: float
    by: str
    reason: str
    to: str | None
    seq: int
    time: str
    seconds: float | None = None  # None: it had not ended when the events were read
    ok: bool | None = None
    error: str = ""
    finished_seq: int | None = None
    on_the_clock: bool = True  # False: before the exercise started, or after it finished


@dataclass(frozen=True)
class Facts:
    checks: tuple[CheckFact, ...] = ()
    injects: tuple[InjectFact, ...] = ()
    reports: tuple[ReportFact, ...] = ()
    inject_voids: tuple[InjectVoid, ...] = ()
    check_voids: tuple[CheckVoid, ...] = ()
    penalties: tuple[ManualPenalty, ...] = ()
    repeats: tuple[InjectFact, ...] = field(default=())  # later firings, not scored
    rejected: tuple[RejectedReport, ...] = ()
    report_voids: tuple[ReportVoid, ...] = ()
    resets: tuple[HostReset, ...] = ()

    def check_void(self, fact: CheckFact) -> str:
        """Why the white cell voided this check result ("" if it counts)."""
        return next((void.reason or VOIDED for void in self.check_voids if void.covers(fact)),
                    "")

    def report_void(self, report: ReportFact) -> ReportVoid | None:
        """The white cell's void of this incident report (None if it counts)."""
        return next((void for void in self.report_voids
                     if void.id == report.id and void.team in (None, report.team)), None)

    def inject_void(self, firing: InjectFact) -> str:
        """Why the white cell voided this team's inject ("" if it counts)."""
        return next((void.reason or VOIDED for void in self.inject_voids
                     if void.inject == firing.inject and void.team in (None, firing.team)), "")


def read_facts(events: Iterable[EventLike]) -> Facts:
    """Every fact scoring uses, from an exercise's events in any order: they are read
    by sequence number, so "the first firing" and "a re-run tick's last result" mean
    the same whichever order a caller passes them in."""
    checks: dict[tuple[str, str, int], CheckFact] = {}
    firings: dict[tuple[str, str], InjectFact] = {}
    repeats: list[InjectFact] = []
    reports: dict[tuple[str, str], ReportFact] = {}
    inject_voids: list[InjectVoid] = []
    check_voids: list[CheckVoid] = []
    penalties: list[ManualPenalty] = []
    rejected: list[RejectedReport] = []
    report_voids: list[ReportVoid] = []
    resets: list[HostReset] = []
    started = finished = False  # the clock, so far in event order
    for event in sorted(events, key=lambda e: e.seq):
        data, team = event.data, event.team or ""
        if event.kind == CheckCompleted.kind:
            fact = CheckFact(team, f"{event.host}/{data['service']}", int(data["tick"]),
                             float(data["t"]), str(data["result"]),
                             str(data.get("detail", "")), event.seq, event.time)
            checks[(fact.team, fact.check, fact.tick)] = fact  # a re-run tick: the last counts
        elif event.kind in (InjectFired.kind, InjectCompleted.kind, InjectInterrupted.kind):
            _read_inject(event, team, firings, repeats)
        elif event.kind in (IncidentReported.kind, IncidentRejected.kind, ReportVoided.kind):
            _read_incident(event, team, reports, rejected, report_voids)
        elif event.kind == InjectVoided.kind:
            inject_voids.append(InjectVoid(str(data["inject"]), event.team,
                                           str(data.get("reason", "")), event.seq))
        elif event.kind == ChecksVoided.kind:
            check_voids.append(CheckVoid(float(data["start"]), float(data["end"]), event.team,
                                         data.get("check"), str(data.get("reason", "")),
                                         event.seq))
        elif event.kind == PenaltyApplied.kind:
            penalties.append(ManualPenalty(team, str(data["rule"]), str(data.get("reason", "")),
                                           float(data.get("t", 0.0)), event.seq, event.time))
        elif event.kind in (HostResetStarted.kind, HostResetFinished.kind):
            _read_reset(event, team, resets, started and not finished)
        elif event.kind == ExerciseStarted.kind:
            started = True
        elif event.kind == ExerciseFinished.kind:
            finished = True
    return Facts(
        checks=tuple(sorted(checks.values(), key=lambda c: (c.team, c.check, c.tick))),
        injects=tuple(sorted(firings.values(), key=lambda i: (i.team, i.t, i.inject))),
        reports=tuple(sorted(reports.values(), key=lambda r: r.seq)),
        inject_voids=tuple(inject_voids), check_voids=tuple(check_voids),
        penalties=tuple(penalties), repeats=tuple(repeats), rejected=tuple(rejected),
        report_voids=tuple(report_voids), resets=tuple(resets))


def _read_reset(event: EventLike, team: str, resets: list[HostReset], on_the_clock: bool) -> None:
    """A reset's start, or its end (matched to the last unfinished start of that host)."""
    data, host = event.data, event.host or ""
    if event.kind == HostResetStarted.kind:
        to = data.get("to")
        resets.append(HostReset(team, host, float(data.get("t", 0.0)), str(data.get("by", "")),
                                str(data.get("reason", "")), str(to) if to else None,
                                event.seq, event.time, on_the_clock=on_the_clock))
        return
    for index in range(len(resets) - 1, -1, -1):
        reset = resets[index]
        if reset.team == team and reset.host == host and reset.finished_seq is None:
            resets[index] = replace(reset, seconds=float(data.get("seconds", 0.0)),
                                    ok=bool(data.get("ok")), error=str(data.get("error", "")),
                                    finished_seq=event.seq)
            return


def _read_inject(event: EventLike, team: str, firings: dict[tuple[str, str], InjectFact],
                 repeats: list[InjectFact]) -> None:
    """A firing (the first of an inject for a team is scored, later ones are kept as
    repeats), or how the scored firing ended (the first end counts)."""
    data = event.data
    if event.kind == InjectFired.kind:
        firing = InjectFact(team, str(data["inject"]), float(data["t"]),
                            str(data.get("technique", "")), str(data.get("target", "")),
                            bool(data.get("manual")), event.seq, event.time)
        if (team, firing.inject) in firings:
            repeats.append(firing)
        else:
            firings[(team, firing.inject)] = firing
        return
    key = (team, str(data["inject"]))
    current = firings.get(key)
    if current is not None and current.outcome is None:
        outcome = str(data.get("outcome", "interrupted"))
        firings[key] = replace(current, outcome=outcome, ended_seq=event.seq,
                               ended_time=event.time)


def _read_incident(event: EventLike, team: str, reports: dict[tuple[str, str], ReportFact],
                   rejected: list[RejectedReport], voids: list[ReportVoid]) -> None:
    """An incident report (the first of an id counts), a rejected file, or a void."""
    if event.kind == ReportVoided.kind:
        data = event.data if isinstance(event.data, dict) else {}
        voids.append(ReportVoid(event.team, str(data.get("id", "")),
                                str(data.get("reason", "")), event.seq))
        return
    read = _report(event, team) if event.kind == IncidentReported.kind \
        else _rejected(event, team)
    if isinstance(read, ReportFact):
        reports.setdefault((team, read.id), read)
    else:
        rejected.append(read)


def _report(event: EventLike, team: str) -> ReportFact | RejectedReport:
    """A stored report, checked again (older stores hold reports from before the
    schema): one that does not read as a report is shown as rejected, not scored."""
    try:
        report, t = stored_report(event.data, event.host, default_id=str(event.seq))
    except ReportError as exc:
        data = event.data if isinstance(event.data, dict) else {}
        return RejectedReport(team, str(data.get("file") or data.get("id") or event.seq)[:300],
                              "", f"stored, but not a valid report: {exc}",
                              _number(data.get("t")), event.seq, event.time)
    return ReportFact(team, report.id, report.host, report.technique, report.indicators,
                      report.summary, report.reporter, report.seen, report.filed, t,
                      event.seq, event.time)


def _rejected(event: EventLike, team: str) -> RejectedReport:
    data = event.data if isinstance(event.data, dict) else {}
    return RejectedReport(team, str(data.get("file", ""))[:2048], str(data.get("owner", ""))[:64],
                          str(data.get("reason", ""))[:300], _number(data.get("t")),
                          event.seq, event.time)


def _number(value: object) -> float:
    """An exercise time from a stored event that may hold anything (0 if unusable)."""
    if isinstance(value, int | float) and not isinstance(value, bool) \
            and math.isfinite(value):
        return float(value)
    return 0.0

