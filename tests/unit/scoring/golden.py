"""The scoring golden fixture: a scenario, its plan and a recorded story of events."""

from __future__ import annotations

import json
import os
import sqlite3
from functools import cache
from pathlib import Path

from orchestrator.events.store import Event, EventStore
from orchestrator.plan import Plan, plan_loaded
from orchestrator.scenario.loader import load_scenario
from orchestrator.state import ExerciseRecord, ExerciseState
from tests.conftest import ROOT

GOLDEN = ROOT / "tests" / "fixtures" / "scoring"


@cache
def golden_plan() -> Plan:
    return plan_loaded(load_scenario(GOLDEN / "scenario.yml"))


def golden_events() -> list[Event]:
    with (GOLDEN / "events.jsonl").open(encoding="utf-8") as lines:
        return [Event(**json.loads(line)) for line in lines]


def with_event(events: list[Event], kind: str, team: str | None = None,
               host: str | None = None, **data: object) -> list[Event]:
    """The events plus one more, appended as the CLI would."""
    seq = max(event.seq for event in events) + 1
    return [*events, Event(seq, "2026-11-24T15:00:00.000+00:00", kind, team, host, dict(data))]


def compare_golden(name: str, document: object) -> None:
    """Assert `document` equals the stored golden file; UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / "golden" / name
    text = json.dumps(document, indent=1, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path} is missing: run UPDATE_GOLDEN=1 pytest {__file__}"
    assert json.loads(text) == json.loads(path.read_text(encoding="utf-8")), \
        f"{name} differs from its golden file; if the change is intended, " \
        "run with UPDATE_GOLDEN=1 and review the diff"


def golden_exercise(state_root: Path) -> ExerciseState:
    """An exercise state directory holding the golden plan and events, as `up` and `run`
    would have left it (with the events' own sequence numbers and times)."""
    plan = golden_plan()
    state = ExerciseState(plan.exercise, root=state_root)
    state.save_record(ExerciseRecord(plan.exercise, plan.scenario,
                                     str(GOLDEN / "scenario.yml"),
                                     tuple(team.team for team in plan.teams)))
    state.save_plan(plan)
    EventStore(state.events_path).close()
    with sqlite3.connect(state.events_path) as db:
        db.executemany("INSERT INTO events (seq, time, kind, team, host, data) "
                       "VALUES (?, ?, ?, ?, ?, ?)",
                       [(e.seq, e.time, e.kind, e.team, e.host, json.dumps(e.data))
                        for e in golden_events()])
    return state
