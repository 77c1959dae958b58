"""The ledger: every point of an exercise, with the reason and the events behind it.

Scores are never stored: they are recomputed from the event store each time
(events -> facts -> ledger -> scoreboard), so a white-cell void, a late
incident report or a resumed run changes every view at once, and the same
events always give the same ledger. Each line carries its category's weight
already applied, so a team's total is the plain sum of its lines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from orchestrator.plan.model import Plan
from scoring.availability import availability_lines
from scoring.defence import defence_lines
from scoring.detection import detection_lines, match_reports
from scoring.facts import EventLike, read_facts
from scoring.lines import CATEGORIES, LedgerLine, points
from scoring.penalties import penalty_lines


@dataclass(frozen=True)
class Ledger:
    exercise: str
    lines: tuple[LedgerLine, ...]

    def for_team(self, team: str) -> tuple[LedgerLine, ...]:
        return tuple(line for line in self.lines if line.team == team)

    def total(self, team: str, category: str | None = None) -> float:
        return round(sum(line.points for line in self.lines
                         if line.team == team and category in (None, line.category)), 2)


def compute_ledger(plan: Plan, events: Iterable[EventLike]) -> Ledger:
    """The whole ledger of an exercise from its plan and its events."""
    facts = read_facts(events)
    matches = match_reports(plan, facts)
    raw_lines = [*availability_lines(plan, facts), *defence_lines(plan, facts),
                 *detection_lines(plan, facts, matches), *penalty_lines(plan, facts, matches)]
    weights = plan.scoring.weights
    teams = {team.team: index for index, team in enumerate(plan.teams)}
    order = {category: index for index, category in enumerate(CATEGORIES)}
    weighted = []
    for line in raw_lines:
        if line.team not in teams:
            continue
        counted = 0.0 if line.void else points(line.raw, weights[line.category])
        weighted.append(line if line.points == counted else replace(line, points=counted))
    weighted.sort(key=lambda line: (teams[line.team], order[line.category], line.t,
                                    line.subject, line.events))
    return Ledger(plan.exercise, tuple(weighted))
