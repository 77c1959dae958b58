"""Penalties: points taken for breaking the rules the scenario lists.

- `scored_service_down`: once per outage, an outage being consecutive ticks
  in which a scored service was `down` (ticks where every check was down
  count as a blocked scorebot instead, never twice).
- `scorebot_blocked`: once per run of consecutive ticks in which every
  scored check of the team was `down`: the scorebot saw nothing at all.
- `false_report`: each incident report that matches no inject.
- `out_of_scope_action`: each time the white cell applies it
  (`rangectl penalize`).
- `host_reset`: each reset of a host (`rangectl reset`, or a trainee's `reset`
  on the bastion) while the exercise clock runs, whether or not it worked:
  the outage it causes is counted by availability as any outage is. A reset
  before the start or after the end costs nothing.

A rule the scenario does not list costs nothing; a reset is still shown in the
ledger, at no cost, so every reset is in the after-action record with its reason.
Check results the white cell voided never count towards an outage.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from orchestrator.agents.check_runner import CheckResult
from orchestrator.plan.model import Plan
from scoring.detection import ReportMatch
from scoring.facts import CheckFact, Facts
from scoring.lines import LedgerLine

BLACKOUT_MIN_CHECKS = 2  # a team with one check cannot tell a block from an outage


def penalty_lines(plan: Plan, facts: Facts, matches: list[ReportMatch]) -> Iterator[LedgerLine]:
    rules = plan.scoring.penalties
    counted = [fact for fact in facts.checks
               if not facts.check_void(fact)]
    blackouts = _blackout_ticks(plan, counted)
    if "scored_service_down" in rules:
        yield from _outages(plan, counted, blackouts, rules["scored_service_down"])
    if "scorebot_blocked" in rules:
        yield from _blocked(counted, blackouts, rules["scorebot_blocked"])
    if "false_report" in rules:
        for match in matches:
            if match.status == "false":
                report = match.report
                yield LedgerLine(report.team, "penalties", "false_report",
                                 -float(rules["false_report"]), 0.0, report.t, report.time,
                                 f"false report {report.id} ({report.host}, {report.technique}): "
                                 "it matches no inject", (report.seq,))
    yield from _resets(facts, rules.get("host_reset"))
    for penalty in facts.penalties:
        if penalty.rule in rules:
            yield LedgerLine(penalty.team, "penalties", penalty.rule,
                             -float(rules[penalty.rule]), 0.0, penalty.t, penalty.time,
                             f"{penalty.rule} (white cell): {penalty.reason}", (penalty.seq,))


def _resets(facts: Facts, cost: int | None) -> Iterator[LedgerLine]:
    for reset in facts.resets:
        took = ("not ended" if reset.seconds is None else
                f"back in {reset.seconds:g}s" if reset.ok else f"failed: {reset.error}")
        target = f" to snapshot {reset.to}" if reset.to else ""
        if not reset.on_the_clock:
            charge, free = 0.0, "; off the exercise clock: no cost"
        elif cost is None:
            charge, free = 0.0, "; no host_reset rule: no cost"
        else:
            charge, free = float(cost), ""
        seqs = (reset.seq,) if reset.finished_seq is None else (reset.seq, reset.finished_seq)
        yield LedgerLine(reset.team, "penalties", "host_reset", -charge, 0.0,
                         reset.t, reset.time,
                         f"{reset.host} reset{target} by {reset.by}: {reset.reason} "
                         f"({took}{free})", seqs)


def _blackout_ticks(plan: Plan, facts: list[CheckFact]) -> set[tuple[str, int]]:
    scored = {team.team: {c.check_id for c in team.checks} for team in plan.teams}
    by_tick: dict[tuple[str, int], list[CheckFact]] = defaultdict(list)
    for fact in facts:
        by_tick[(fact.team, fact.tick)].append(fact)
    return {key for key, ticks in by_tick.items()
            if len(scored.get(key[0], ())) >= BLACKOUT_MIN_CHECKS
            and {fact.check for fact in ticks} >= scored[key[0]]
            and all(fact.result == CheckResult.DOWN for fact in ticks)}


def _runs(facts: list[CheckFact]) -> Iterator[list[CheckFact]]:
    """Runs of consecutive ticks (facts sorted by tick)."""
    run: list[CheckFact] = []
    for fact in facts:
        if run and fact.tick != run[-1].tick + 1:
            yield run
            run = []
        run.append(fact)
    if run:
        yield run


def _outages(plan: Plan, facts: list[CheckFact], blackouts: set[tuple[str, int]],
             cost: int) -> Iterator[LedgerLine]:
    scored = {(team.team, check.check_id) for team in plan.teams for check in team.checks}
    down: dict[tuple[str, str], list[CheckFact]] = defaultdict(list)
    for fact in facts:
        if fact.result == CheckResult.DOWN and (fact.team, fact.tick) not in blackouts \
                and (fact.team, fact.check) in scored:
            down[(fact.team, fact.check)].append(fact)
    for (team, check), ticks in sorted(down.items()):
        for run in _runs(sorted(ticks, key=lambda f: f.tick)):
            span = f"tick {run[0].tick}" if len(run) == 1 \
                else f"ticks {run[0].tick}-{run[-1].tick}"
            yield LedgerLine(team, "penalties", "scored_service_down", -float(cost), 0.0,
                             run[0].t, run[-1].time, f"{check} down ({span})",
                             tuple(fact.seq for fact in run))


def _blocked(facts: list[CheckFact], blackouts: set[tuple[str, int]],
             cost: int) -> Iterator[LedgerLine]:
    first: dict[tuple[str, int], CheckFact] = {}
    seqs: dict[tuple[str, int], list[int]] = defaultdict(list)
    for fact in facts:
        key = (fact.team, fact.tick)
        if key in blackouts:
            first.setdefault(key, fact)
            seqs[key].append(fact.seq)
    by_team: dict[str, list[CheckFact]] = defaultdict(list)
    for (team, _tick), fact in sorted(first.items()):
        by_team[team].append(fact)
    for team, ticks in sorted(by_team.items()):
        for run in _runs(ticks):
            span = f"tick {run[0].tick}" if len(run) == 1 \
                else f"ticks {run[0].tick}-{run[-1].tick}"
            yield LedgerLine(team, "penalties", "scorebot_blocked", -float(cost), 0.0,
                             run[0].t, run[-1].time,
                             f"every scored check down ({span}): the scorebot saw nothing",
                             tuple(sorted(seq for fact in run for seq in seqs[(team, fact.tick)])))
