"""The scoreboard: each team's points per category, its total and its rank.

Made from the ledger only, so every figure on it is the sum of ledger lines
a reader can list (`rangectl report`), and totals always add up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from orchestrator.plan.model import Plan
from scoring.facts import EventLike
from scoring.ledger import Ledger, compute_ledger
from scoring.lines import CATEGORIES, points
from scoring.status import exercise_status


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
    sums: dict[tuple[str, str], float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    earned: dict[tuple[str, str], list[float]] = defaultdict(list)  # (team, check) -> raw
    for line in ledger.lines:  # one pass: a long exercise has hundreds of thousands of lines
        sums[(line.team, line.category)] += line.points
        counts[line.team] += 1
        if line.category == "availability" and not line.void:
            earned[(line.team, line.subject)].append(line.raw)
    unranked = []
    for team in plan.teams:
        categories = {category: round(sums[(team.team, category)], 2) for category in CATEGORIES}
        unranked.append((team, points(sum(categories.values())), categories))
    unranked.sort(key=lambda item: -item[1])  # stable: plan order breaks ties
    ranked: list[TeamScore] = []
    for index, (team, total, categories) in enumerate(unranked):
        rank = ranked[-1].rank if ranked and ranked[-1].total == total else index + 1
        sla = {check.check_id: _sla(earned[(team.team, check.check_id)],
                                    plan.scoring.points_per_check) for check in team.checks}
        ranked.append(TeamScore(team.team, team.name, team.timezone, rank, total, categories,
                                sla, counts[team.team]))
    return Scoreboard(plan.exercise, plan.scenario, tuple(ranked))


def _sla(earned: list[float], full: float) -> float:
    """Share of the maximum availability a check earned over its counted ticks."""
    if not earned or full <= 0:
        return 1.0
    return round(sum(earned) / (full * len(earned)), 4)


def score_exercise(plan: Plan, events: Iterable[EventLike]) -> tuple[Ledger, Scoreboard]:
    ledger = compute_ledger(plan, events)
    return ledger, build_scoreboard(plan, ledger)


def scoreboard_document(plan: Plan, events: Iterable[EventLike],
                        ledger: Ledger | None = None) -> dict[str, Any]:
    """The scoreboard with where the exercise is: what `rangectl score` shows (as a
    table or `-o json`) and the report's and live page's standings and status.

    Built here only, so those views cannot disagree. `ledger` is the ledger of
    `events` when the caller has computed it already (the report has), so the
    events are not scored twice."""
    ordered = sorted(events, key=lambda event: event.seq)
    scored = compute_ledger(plan, ordered) if ledger is None else ledger
    return {**build_scoreboard(plan, scored).to_json(),
            "status": exercise_status(ordered, plan.duration), "duration": plan.duration}
