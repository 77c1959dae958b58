"""Per-team secrets: generated once, different per team, kept private."""

from __future__ import annotations

import stat
from pathlib import Path

from orchestrator.cli.common import load
from orchestrator.plan import plan_loaded
from orchestrator.secrets import WEAK_CHOICES, ensure_secrets, secrets_path, weak_passwords
from orchestrator.state import ExerciseState
from tests.conftest import SCENARIOS


def test_secrets_are_per_team_stable_and_private(tmp_path: Path) -> None:
    loaded = load(SCENARIOS / "arctic-sentinel.yml")
    plan = plan_loaded(loaded)
    state = ExerciseState("secrets-test", root=tmp_path)
    first = ensure_secrets(state, plan, loaded.scenario.secrets)
    again = ensure_secrets(state, plan, loaded.scenario.secrets)
    assert first == again
    assert stat.S_IMODE(secrets_path(state).stat().st_mode) == 0o600
    ottawa, tallinn = first["ottawa"], first["tallinn"]
    assert set(ottawa) == {s.name for s in loaded.scenario.secrets}
    for name in ottawa:
        assert ottawa[name] != tallinn[name]
    assert ottawa["operator_password"] in weak_passwords()[:WEAK_CHOICES]
    assert ottawa["portal_flag"].startswith("FLAG{")
    assert len(ottawa["analyst_password"]) == 20
