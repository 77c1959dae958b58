"""Each declared kind stores exactly what its untyped writer stored before.

Stored exercises and the golden scoring fixture hold events written as
`store.append("kind", team=..., host=..., **data)`; a typed kind that changed
a key, dropped one, or added a null would change scores or break old stores.
So each kind is recorded into a real store and read back, and compared with
the events the old writers produced.
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from orchestrator.events import kinds
from orchestrator.events.payload import ENVELOPE, KINDS, Payload
from orchestrator.events.store import EventStore

FIXTURE = Path(__file__).parents[2] / "fixtures" / "scoring" / "events.jsonl"


def stored(tmp_path: Path, event: Payload) -> dict[str, Any]:
    """The event as the store holds it: kind, team, host and data."""
    store = EventStore(tmp_path / "events.db")
    try:
        seq = store.record(event)
        (read,) = [e for e in store.read() if e.seq == seq]
    finally:
        store.close()
    return {"kind": read.kind, "team": read.team, "host": read.host, "data": read.data}


def from_stored(event: dict[str, Any]) -> Payload:
    """The typed kind built from a stored event's envelope and data."""
    cls = KINDS[event["kind"]]
    names = {field.name for field in fields(cls)}
    envelope = {key: event[key] for key in ENVELOPE if key in names}
    return cls(**envelope, **event["data"])


def fixture_events() -> list[dict[str, Any]]:
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]


def test_every_full_event_of_the_golden_fixture_is_stored_the_same(tmp_path: Path) -> None:
    full = []
    for event in fixture_events():
        cls = KINDS[event["kind"]]
        declared = {field.name for field in fields(cls)} - set(ENVELOPE)
        if set(event["data"]) != declared:
            continue  # abbreviated in the story: inject.completed, incident.reported
        full.append(event["kind"])
        again = stored(tmp_path, from_stored(event))
        assert again == {key: event[key] for key in ("kind", "team", "host", "data")}
    assert set(full) == {"exercise.started", "exercise.resumed", "exercise.finished",
                         "check.completed", "tick.completed", "inject.fired",
                         "inject.interrupted", "void.checks", "penalty.applied"}


def test_a_manual_firing_keeps_manual_and_by_and_a_scheduled_one_has_neither(
        tmp_path: Path) -> None:
    common: dict[str, Any] = {"team": "ottawa", "inject": "scan", "t": 70.0, "technique": "T1046",
              "target": "web", "source": "red"}
    manual = stored(tmp_path, kinds.InjectFired(**common, manual=True, by="white-cell"))
    assert manual["data"]["manual"] is True
    assert manual["data"]["by"] == "white-cell"
    assert "manual" not in stored(tmp_path, kinds.InjectFired(**common))["data"]


OLD_WRITERS: list[tuple[Payload, dict[str, Any]]] = [
    (kinds.InjectCompleted(team="a", inject="scan", outcome="blocked", started=1.5, ended=2.5,
                           steps=({"command": "nmap", "exit_code": 0, "output": ""},)),
     {"kind": "inject.completed", "team": "a", "host": None,
      "data": {"inject": "scan", "outcome": "blocked", "started": 1.5, "ended": 2.5,
               "steps": [{"command": "nmap", "exit_code": 0, "output": ""}]}}),
    (kinds.IncidentReported(team="a", host=None, t=30.0, file="r1.json", id="r1",
                            reporter="blue", technique="T1046", indicators=("10.0.0.1",),
                            seen="s", filed="f", summary="x"),
     {"kind": "incident.reported", "team": "a", "host": None,
      "data": {"t": 30.0, "file": "r1.json", "id": "r1", "reporter": "blue",
               "technique": "T1046", "indicators": ["10.0.0.1"], "seen": "s", "filed": "f",
               "summary": "x"}}),
    (kinds.TraineeLoginRefused(team="a", at="2026", user="u", reason="no such user",
                               source="10.0.0.9", port="4242"),
     {"kind": "trainee.login_refused", "team": "a", "host": "bastion",
      "data": {"at": "2026", "user": "u", "reason": "no such user", "source": "10.0.0.9",
               "port": "4242"}}),
    (kinds.InjectRequested(team="a", inject="scan"),
     {"kind": "control.inject", "team": "a", "host": None,
      "data": {"inject": "scan", "by": "white-cell"}}),
    (kinds.PauseRequested(),
     {"kind": "control.pause", "team": None, "host": None, "data": {"by": "white-cell"}}),
    (kinds.ChecksVoided(team=None, start=60, end=90, check=None, reason="r"),
     {"kind": "void.checks", "team": None, "host": None,
      "data": {"start": 60, "end": 90, "check": None, "reason": "r", "by": "white-cell"}}),
    (kinds.HostCreated(team="a", host="web"),
     {"kind": "host.created", "team": "a", "host": "web", "data": {}}),
    (kinds.NetworkReused(team="a", network="dmz"),
     {"kind": "network.reused", "team": "a", "host": None, "data": {"network": "dmz"}}),
    (kinds.HostTaskFinished(team="a", host="web", task="t", status="ok", duration=None),
     {"kind": "host.task_finished", "team": "a", "host": "web",
      "data": {"task": "t", "status": "ok", "duration": None}}),
    (kinds.TeamNotReady(team="a", failing=({"check": "web/http", "result": "down",
                                            "detail": "refused"},)),
     {"kind": "team.not_ready", "team": "a", "host": None,
      "data": {"failing": [{"check": "web/http", "result": "down", "detail": "refused"}]}}),
    (kinds.RequestRefused(reason="no inject x for team a"),
     {"kind": "control.refused", "team": None, "host": None,
      "data": {"reason": "no inject x for team a"}}),
]


@pytest.mark.parametrize(("event", "old"), OLD_WRITERS,
                         ids=[old["kind"] for _event, old in OLD_WRITERS])
def test_a_kind_stores_what_its_old_writer_stored(tmp_path: Path, event: Payload,
                                                  old: dict[str, Any]) -> None:
    assert stored(tmp_path, event) == old


def test_record_and_append_store_the_same_json(tmp_path: Path) -> None:
    event = kinds.TickCompleted(tick=3, t=30.0, seconds=0.25)
    store = EventStore(tmp_path / "events.db")
    try:
        typed = store.record(event)
        untyped = store.append("tick.completed", tick=3, t=30.0, seconds=0.25)
        rows = dict(store._db.execute("SELECT seq, data FROM events").fetchall())
    finally:
        store.close()
    assert rows[typed] == rows[untyped] == '{"seconds": 0.25, "t": 30.0, "tick": 3}'


def test_kinds_are_frozen() -> None:
    event = kinds.HostCreated(team="a", host="web")
    with pytest.raises(AttributeError):
        event.team = "b"  # type: ignore[misc]
