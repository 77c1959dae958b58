"""The scoreboard: each team's points per category, its total and its rank.

Made from the ledger only, so every figure on it is the sum of ledger lines
a reader can list (`rangectl report`), and totals always add up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from orchestrator.plan.model import Plan
from scoring.facts import EventLike
from scoring.ledger import Ledger, compute_ledger
from scoring.lines import CATEGORIES, points


@dataclass(frozen=True)
class TeamScore:
    team: str
    name: str
    timezone: str
    rank: int
    total: float
    categories: dict[str, float]
    sla: dict[str, float]  # check -> share of counted ticks with full credit, 0..1
    lines: int

    def to_json(self) -> dict[str, Any]:
        return {"team": self.team, "name": self.name, "timezone": self.timezone,
                "rank": self.rank, "total": self.total, "categories": self.categories,
                "sla": self.sla, "lines": self.lines}


@dataclass(frozen=True)
class Scoreboard:
    exercise: str
    scenario: str
    teams: tuple[TeamScore, ...]  # best first; ties share a rank

    def to_json(self) -> dict[str, Any]:
        return {"exercise": self.exercise, "scenario": self.scenario,
                "categories": list(CATEGORIES), "teams": [t.to_json() for t in self.teams]}


def build_scoreboard(plan: Plan, ledger: Ledger) -> Scoreboard:
    unranked = []
    for team in plan.teams:
        lines = ledger.for_team(team.team)
        categories = {category: ledger.total(team.team, category) for category in CATEGORIES}
        unranked.append((team, points(sum(categories.values())), categories, len(lines)))
    unranked.sort(key=lambda item: -item[1])  # stable: plan order breaks ties
    ranked: list[TeamScore] = []
    for index, (team, total, categories, count) in enumerate(unranked):
        rank = ranked[-1].rank if ranked and ranked[-1].total == total else index + 1
        ranked.append(TeamScore(team.team, team.name, team.timezone, rank, total, categories,
                                _sla(plan, ledger, team.team), count))
    return Scoreboard(plan.exercise, plan.scenario, tuple(ranked))


def _sla(plan: Plan, ledger: Ledger, team: str) -> dict[str, float]:
    """Share of the maximum availability each check earned over its counted ticks."""
    full = plan.scoring.points_per_check
    sla: dict[str, float] = {}
    for check in plan.team(team).checks:
        earned = [line.raw for line in ledger.lines if line.team == team
                  and line.category == "availability" and line.subject == check.check_id
                  and not line.void]
        sla[check.check_id] = round(sum(earned) / (full * len(earned)), 4) \
            if earned and full > 0 else 1.0
    return sla


def score_exercise(plan: Plan, events: Iterable[EventLike]) -> tuple[Ledger, Scoreboard]:
    ledger = compute_ledger(plan, events)
    return ledger, build_scoreboard(plan, ledger)
