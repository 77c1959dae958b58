"""The after-action report as one JSON-able document, built from the plan and events.

The live page and the report in each format are rendered from this one
document, and its standings and status are the scoreboard document that
`rangectl score` prints (scoring/scoreboard.py), so no two views can disagree;
every other figure comes with the ledger lines that make it up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from orchestrator.plan.model import Plan
from scoring.detection import ReportMatch, match_reports
from scoring.facts import VOIDED, EventLike, Facts, read_facts
from scoring.ledger import Ledger, compute_ledger
from scoring.lines import CATEGORIES, points
from scoring.scoreboard import scoreboard_document

REPORT_VERSION = 1


def build_report(plan: Plan, events: Iterable[EventLike], generated: datetime | None = None,
                 full: bool = True) -> dict[str, Any]:
    """The whole report; with `full=False` only what a live scoreboard shows (standings,
    score over time, inject outcomes), leaving the long sections empty."""
    ordered = sorted(events, key=lambda event: event.seq)
    facts = read_facts(ordered)
    ledger = compute_ledger(plan, ordered)
    matches = match_reports(plan, facts)
    board = scoreboard_document(plan, ordered, ledger)
    zones = {team.team: team.timezone for team in plan.teams}
    return {
        "version": REPORT_VERSION,
        "exercise": plan.exercise,
        "scenario": plan.scenario,
        "generated": (generated or datetime.now(UTC)).isoformat(timespec="seconds"),
        "duration": plan.duration,
        "tick": plan.tick,
        "status": board["status"],
        "teams": [{"team": t.team, "name": t.name, "site": t.site, "timezone": t.timezone}
                  for t in plan.teams],
        "categories": list(CATEGORIES),
        "weights": plan.scoring.weights,
        "standings": board["teams"],
        "score_over_time": score_over_time(plan, ledger),
        "availability": availability_timeline(plan, facts) if full else {},
        "injects": inject_matrix(plan, facts, ledger, matches, zones),
        "techniques": techniques(plan, facts, matches) if full else [],
        "incidents": incidents(facts, matches, zones) if full else [],
        "rejected": rejected_reports(plan, facts, zones) if full else [],
        "resets": host_resets(plan, facts, zones) if full else [],
        "ledger": [{"id": index, **line.to_json()} for index, line in enumerate(ledger.lines)]
        if full else [],
    }


def local_time(utc: str, zone: str) -> str:
    """An event's UTC time in a team's own time zone, for people on site."""
    if not utc:
        return ""
    moment = datetime.fromisoformat(utc)
    return moment.astimezone(ZoneInfo(zone)).isoformat(timespec="seconds")


def score_over_time(plan: Plan, ledger: Ledger) -> dict[str, list[list[float]]]:
    """Each team's running total at every tick: [[t, total], ...]."""
    end = max([plan.duration, *(line.t for line in ledger.lines)])
    moments = [float(t) for t in range(0, int(end) + 1, plan.tick)]
    series: dict[str, list[list[float]]] = {}
    for team in plan.teams:
        lines = sorted(ledger.for_team(team.team), key=lambda line: line.t)
        total, index, points_at = 0.0, 0, []
        for moment in moments:
            while index < len(lines) and lines[index].t <= moment:
                total += lines[index].points
                index += 1
            points_at.append([moment, points(total)])
        series[team.team] = points_at
    return series


def availability_timeline(plan: Plan, facts: Facts) -> dict[str, dict[str, list[Any]]]:
    """Each team's check results per tick: {team: {check: [[tick, result, voided], ...]}}."""
    timeline: dict[str, dict[str, list[Any]]] = {
        team.team: {check.check_id: [] for check in team.checks} for team in plan.teams}
    for fact in facts.checks:
        row = timeline.get(fact.team, {}).get(fact.check)
        if row is not None:
            row.append([fact.tick, fact.result, bool(facts.check_void(fact))])
    return timeline


def inject_matrix(plan: Plan, facts: Facts, ledger: Ledger, matches: list[ReportMatch],
                  zones: dict[str, str]) -> list[dict[str, Any]]:
    """Inject x team: the outcome, when it fired, and how soon it was detected."""
    firings = {(f.team, f.inject): f for f in facts.injects}
    detected = {(m.report.team, m.firing.inject): m for m in matches
                if m.status == "detected" and m.firing is not None}
    line_ids: dict[tuple[str, str], list[int]] = defaultdict(list)
    detection_ids: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, line in enumerate(ledger.lines):
        if line.category in ("defence", "detection"):
            line_ids[(line.team, line.subject)].append(index)
        if line.category == "detection":
            detection_ids[(line.team, line.subject)].append(index)
    rows = []
    for inject in plan.teams[0].injects if plan.teams else ():
        cells: dict[str, Any] = {}
        for team in plan.teams:
            firing = firings.get((team.team, inject.name))
            match = detected.get((team.team, inject.name))
            cells[team.team] = {
                "outcome": (firing.outcome or "running") if firing else "not fired",
                "t": firing.t if firing else None,
                "time": firing.fired_time if firing else "",
                "local_time": local_time(firing.fired_time, zones[team.team]) if firing else "",
                "time_to_detect": match.time_to_detect if match else None,
                "report": match.report.id if match else None,
                "void": next((line.void for i in line_ids[(team.team, inject.name)]
                              if (line := ledger.lines[i]).void), ""),
                "points": points(sum(ledger.lines[i].points
                                     for i in line_ids[(team.team, inject.name)])),
                "lines": line_ids[(team.team, inject.name)],
                "detection_lines": detection_ids[(team.team, inject.name)],
            }
        rows.append({"inject": inject.name, "tactic": inject.tactic,
                     "technique": inject.technique, "offset": inject.offset,
                     "target": inject.target_host, "points": inject.points,
                     "detection_points": inject.detection.points if inject.detection else 0,
                     "teams": cells})
    return rows


def techniques(plan: Plan, facts: Facts, matches: list[ReportMatch]) -> list[dict[str, Any]]:
    """ATT&CK techniques the exercise covered, and which teams detected each."""
    detected = {(m.report.team, m.firing.inject) for m in matches
                if m.status == "detected" and m.firing is not None}
    fired = {(f.team, f.inject) for f in facts.injects}
    rows: dict[str, dict[str, Any]] = {}
    for inject in plan.teams[0].injects if plan.teams else ():
        row = rows.setdefault(inject.technique, {
            "technique": inject.technique, "tactic": inject.tactic, "injects": [],
            "teams": {team.team: {"fired": False, "detected": False} for team in plan.teams}})
        row["injects"].append(inject.name)
        for team in plan.teams:
            cell = row["teams"][team.team]
            cell["fired"] = cell["fired"] or (team.team, inject.name) in fired
            cell["detected"] = cell["detected"] or (team.team, inject.name) in detected
    return sorted(rows.values(), key=lambda row: str(row["technique"]))


def incidents(facts: Facts, matches: list[ReportMatch],
              zones: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for match in matches:
        report = match.report
        void = facts.report_void(report)
        rows.append({
            "team": report.team, "id": report.id, "host": report.host,
            "technique": report.technique, "indicators": list(report.indicators),
            "summary": report.summary, "reporter": report.reporter, "seen": report.seen,
            "filed": report.filed, "collected": report.time,
            "collected_local": local_time(report.time, zones.get(report.team, "UTC")),
            "t": report.t, "status": match.status,
            "inject": match.firing.inject if match.firing else None,
            "time_to_detect": match.time_to_detect,
            "void": (void.reason or VOIDED) if void else "",
        })
    return rows


def host_resets(plan: Plan, facts: Facts, zones: dict[str, str]) -> list[dict[str, Any]]:
    """Every host put back mid-exercise, with why and how long it took: drawn on the
    availability strips and listed beside them (each reset's cost is in the ledger)."""
    teams = {team.team for team in plan.teams}
    return [{"team": item.team, "host": item.host, "t": item.t, "tick": int(item.t // plan.tick),
             "by": item.by, "reason": item.reason, "to": item.to, "seconds": item.seconds,
             "ok": item.ok, "error": item.error, "started": item.time,
             "started_local": local_time(item.time, zones.get(item.team, "UTC"))}
            for item in facts.resets if item.team in teams]


def rejected_reports(plan: Plan, facts: Facts, zones: dict[str, str]) -> list[dict[str, Any]]:
    """Spool files not taken as reports, and why: for the white cell, never scored."""
    teams = {team.team for team in plan.teams}
    return [{"team": item.team, "file": item.file, "owner": item.owner, "reason": item.reason,
             "t": item.t, "collected": item.time,
             "collected_local": local_time(item.time, zones.get(item.team, "UTC"))}
            for item in facts.rejected if item.team in teams]
