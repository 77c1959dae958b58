"""Recording a batch: what `record` would store, in order, all at once or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.events.kinds import CheckCompleted, TickCompleted
from orchestrator.events.store import EventStore


def check(team: str, n: int) -> CheckCompleted:
    return CheckCompleted(team=team, host=f"h{n}", service="ssh", tick=3, t=30.0,
                          result="ok", detail="banner SSH-2.0", elapsed=0.01)


def stored(store: EventStore) -> list[tuple[str, str | None, str | None, dict[str, object]]]:
    return [(e.kind, e.team, e.host, e.data) for e in store.read()]


def test_a_batch_is_stored_as_one_by_one_records_would_be(tmp_path: Path) -> None:
    batch = [check("ottawa", 0), check("tallinn", 1), TickCompleted(tick=3, t=30.0, seconds=0.4)]
    one_by_one, together = EventStore(tmp_path / "a.db"), EventStore(tmp_path / "b.db")
    try:
        for event in batch:
            one_by_one.record(event)
        together.record_all(batch)
        assert stored(together) == stored(one_by_one)
        assert [e.seq for e in together.read()] == [1, 2, 3]
    finally:
        one_by_one.close()
        together.close()


def test_a_batch_that_cannot_be_stored_leaves_nothing_and_the_store_usable(
        tmp_path: Path) -> None:
    store = EventStore(tmp_path / "events.db")
    try:
        store.record(check("ottawa", 0))
        store._db.execute(  # a write that fails half-way through the batch
            "CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.host = 'h2' "
            "BEGIN SELECT RAISE(ABORT, 'disk full'); END")
        with pytest.raises(Exception, match="disk full"):
            store.record_all([check("ottawa", 1), check("ottawa", 2)])
        assert [e.host for e in store.read()] == ["h0"]
        store.record_all([check("ottawa", 3)])
        assert [e.host for e in store.read()] == ["h0", "h3"]
    finally:
        store.close()
