"""What a reset or snapshot refuses, before it touches an engine or the state folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.events.kinds import HostResetRefused
from orchestrator.events.store import EventStore
from orchestrator.reset import HostResets, ResetOrder, ResetRefusedError
from orchestrator.state import ExerciseState
from tests.unit.scoring.golden import golden_plan


def resets(tmp_path: Path) -> HostResets:
    state = ExerciseState(golden_plan().exercise, root=tmp_path / "state")
    state.create()

    def no_scenario() -> None:
        raise AssertionError("a refused reset must not read the scenario")

    return HostResets(None, state, golden_plan(), EventStore(tmp_path / "events.db"),  # type: ignore[arg-type]
                      no_scenario, lambda: 12.0)  # type: ignore[arg-type]


@pytest.mark.parametrize(("team", "host", "why"), [
    ("../../evil", "web", "the exercise has no team '../../evil'"),
    ("ottawa", "../../evil", "team 'ottawa' has no host '../../evil'"),
    ("ottawa", "red", "one of rangectl's own hosts (red)"),
])
def test_a_refused_snapshot_or_reset_is_recorded_and_makes_no_file(
        tmp_path: Path, team: str, host: str, why: str) -> None:
    service = resets(tmp_path)
    with pytest.raises(ResetRefusedError, match=why.replace("(", r"\(").replace(")", r"\)")):
        service.snapshot(team, host, "kept", "white-cell")
    refused = service.reset(ResetOrder(team, host, "white-cell", "why"))
    assert isinstance(refused, HostResetRefused)
    assert why in refused.reason
    assert [e.kind for e in service.store.read("host.")] == ["host.reset_refused"] * 2
    made = sorted(path.name for path in tmp_path.rglob("*") if "evil" in path.name)
    assert made == []
    assert not (service.state.directory / "resets").exists() or \
        list((service.state.directory / "resets").iterdir()) == []
