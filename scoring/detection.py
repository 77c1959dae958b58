"""Detection: incident reports matched to the injects they describe.

A report matches an inject of its own team when it names the inject's target
host (by name, alias or address), one of the techniques the scenario expects
(a parent technique matches its sub-techniques and the other way round), and
was collected within the inject's detection window after it fired. Each
report is given to the earliest such inject not yet detected; a second report
of an inject already detected is a duplicate (no points, no penalty); a
report that matches an inject only after its window is late (no points, no
penalty); a report that matches no inject at all, or only one that had not
fired yet when the report was collected, is a false report (the
`false_report` penalty, when the scenario has one). A report the white cell
voided (`rangectl void report`) is judged as if it had never been filed: a
0-point line says so, and a later report of the same inject may detect it.

Credit falls with time to detect: full points at once, half at the end of
the window; half again when none of the expected indicators was reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from orchestrator.plan.model import Plan, PlannedDetection
from scoring.facts import VOIDED, Facts, InjectFact, ReportFact
from scoring.lines import LedgerLine, points

DEFAULT_WINDOW = 1800


@dataclass(frozen=True)
class ReportMatch:
    report: ReportFact
    status: str  # detected, duplicate, late, false, void
    firing: InjectFact | None = None
    first: ReportFact | None = None  # for a duplicate: the report that detected it first

    @property
    def time_to_detect(self) -> float | None:
        if self.status != "detected" or self.firing is None:
            return None
        return self.report.t - self.firing.t


def technique_matches(reported: str, expected: str) -> bool:
    reported, expected = reported.strip().upper(), expected.strip().upper()
    return reported == expected or reported == expected.split(".")[0] \
        or reported.split(".")[0] == expected


def detection_rule(plan: Plan, firing: InjectFact) -> PlannedDetection:
    inject = plan.team(firing.team).inject(firing.inject)
    if inject is not None and inject.detection is not None:
        return inject.detection
    technique = inject.technique if inject else firing.technique
    return PlannedDetection(techniques=(technique,), indicators=(), window=DEFAULT_WINDOW,
                            points=0)


def _names_of_hosts(plan: Plan, team: str) -> dict[str, str]:
    """Every name a trainee may use for a host (name, alias, address) -> the host."""
    names: dict[str, str] = {}
    for host in plan.team(team).hosts:
        for name in (host.name, host.hostname, *host.aliases, *host.addresses.values()):
            names[name.lower()] = host.name
    return names


def match_reports(plan: Plan, facts: Facts) -> list[ReportMatch]:
    teams = {team.team for team in plan.teams}
    detected: dict[tuple[str, str], ReportFact] = {}
    matches: list[ReportMatch] = []
    for report in facts.reports:
        if report.team not in teams:
            continue
        if facts.report_void(report) is not None:  # as if never filed: it blocks no report
            matches.append(ReportMatch(report, "void"))
            continue
        host = _names_of_hosts(plan, report.team).get(report.host.strip().lower(), "")
        about = [firing for firing in facts.injects
                 if firing.team == report.team and firing.target == host
                 and any(technique_matches(report.technique, expected)
                         for expected in detection_rule(plan, firing).techniques)]
        in_window = [firing for firing in about
                     if 0 <= report.t - firing.t <= detection_rule(plan, firing).window]
        fresh = [firing for firing in in_window if (report.team, firing.inject) not in detected]
        if fresh:
            firing = min(fresh, key=lambda f: (f.t, f.inject))
            detected[(report.team, firing.inject)] = report
            matches.append(ReportMatch(report, "detected", firing))
        elif in_window:
            firing = min(in_window, key=lambda f: (f.t, f.inject))
            matches.append(ReportMatch(report, "duplicate", firing,
                                       detected[(report.team, firing.inject)]))
        elif late := [firing for firing in about
                      if report.t - firing.t > detection_rule(plan, firing).window]:
            matches.append(ReportMatch(report, "late", max(late, key=lambda f: (f.t, f.inject))))
        else:
            matches.append(ReportMatch(report, "false"))
    return matches


def detection_credit(rule: PlannedDetection, time_to_detect: float,
                     indicators: tuple[str, ...]) -> tuple[float, str]:
    timeliness = 1.0 - 0.5 * min(1.0, max(0.0, time_to_detect) / max(rule.window, 1))
    expected = {indicator.strip().lower() for indicator in rule.indicators if indicator.strip()}
    named = {indicator.strip().lower() for indicator in indicators}
    evidence = 1.0 if not expected or expected & named else 0.5
    why = f"{rule.points} x {timeliness:.2f} (detected after {_duration(time_to_detect)} " \
          f"of a {_duration(rule.window)} window)"
    if expected:
        why += " x 1.00 (an expected indicator)" if evidence == 1.0 \
            else " x 0.50 (no expected indicator)"
    return points(rule.points * timeliness * evidence), why


def detection_lines(plan: Plan, facts: Facts, matches: list[ReportMatch]) -> Iterator[LedgerLine]:
    for match in matches:
        report, firing = match.report, match.firing
        label = f"report {report.id} ({report.host}, {report.technique})"
        if match.status == "detected" and firing is not None:
            rule = detection_rule(plan, firing)
            raw, why = detection_credit(rule, report.t - firing.t, report.indicators)
            yield LedgerLine(report.team, "detection", firing.inject, raw, raw, report.t,
                             report.time, f"{firing.inject} detected by {label}: {why}",
                             (firing.fired_seq, report.seq), facts.inject_void(firing))
        elif match.status == "duplicate" and firing is not None and match.first is not None:
            yield LedgerLine(report.team, "detection", firing.inject, 0.0, 0.0, report.t,
                             report.time, f"{label}: a duplicate of report {match.first.id} "
                             f"for {firing.inject}; no further points",
                             (firing.fired_seq, match.first.seq, report.seq),
                             facts.inject_void(firing))
        elif match.status == "late" and firing is not None:
            window = _duration(detection_rule(plan, firing).window)
            yield LedgerLine(report.team, "detection", firing.inject, 0.0, 0.0, report.t,
                             report.time, f"{label}: describes {firing.inject}, but after its "
                             f"{window} window; no points", (firing.fired_seq, report.seq),
                             facts.inject_void(firing))
        elif match.status == "void" and (void := facts.report_void(report)) is not None:
            yield LedgerLine(report.team, "detection", "voided report", 0.0, 0.0, report.t,
                             report.time, f"{label}: voided by the white cell; not judged",
                             (report.seq, void.seq), void.reason or VOIDED)
        elif match.status == "false" and "false_report" not in plan.scoring.penalties:
            yield LedgerLine(report.team, "detection", "false report", 0.0, 0.0, report.t,
                             report.time, f"{label}: matches no inject; no points",
                             (report.seq,))


def _duration(seconds: float) -> str:
    whole = round(seconds)
    if whole >= 60:
        return f"{whole // 60} min" if whole % 60 == 0 else f"{whole // 60} min {whole % 60} s"
    return f"{whole} s"
