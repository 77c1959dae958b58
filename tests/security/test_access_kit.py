"""`rangectl access TEAM --out DIR` never replaces a key or ssh_config it did not write.

Before, `access ottawa -o ~/.ssh` (now --out) overwrote the controller's own id_ed25519 and
wrote an ssh_config over theirs (and made the folder 0700). Now the folder must
be new, empty, or a kit of the same team and exercise (refreshed in place);
anything else is refused with exit 2 and a hint, unless --force.

The refusals run the real command against a recorded exercise (no range is
needed: the folder is checked before the engine is asked for host keys); the
writes call write_kit directly, with the host keys a range would give.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from orchestrator.access.keys import ensure_team_key
from orchestrator.access.kit import write_kit
from orchestrator.errors import InvalidInputError
from orchestrator.state import ExerciseState
from tests.e2e.cli import rangectl
from tests.unit.scoring.golden import golden_exercise

HOST_KEYS = {"bastion": "ssh-ed25519 AAAAbastion", "web": "ssh-ed25519 AAAAweb"}
OWN_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nthe controller's own key\n"
OWN_CONFIG = "Host *\n  User me\n"


@pytest.fixture
def state(tmp_path: Path) -> ExerciseState:
    return golden_exercise(tmp_path / "state")


def dot_ssh(folder: Path) -> Path:
    """A folder like ~/.ssh: someone's own key and ssh_config."""
    folder.mkdir(mode=0o755)
    (folder / "id_ed25519").write_text(OWN_KEY, encoding="utf-8")
    (folder / "ssh_config").write_text(OWN_CONFIG, encoding="utf-8")
    return folder


def kit(state: ExerciseState, team: str, folder: Path, force: bool = False) -> Path:
    plan = state.load_plan()
    assert plan is not None
    key = ensure_team_key(state, state.exercise, team)
    record = replace(state.load_record(), bastion_ports={"ottawa": 22001, "tallinn": 22002})
    return write_kit(folder, record, plan.team(team), key, HOST_KEYS, force=force)


def test_access_refuses_to_overwrite_someones_key(state: ExerciseState, tmp_path: Path) -> None:
    folder = dot_ssh(tmp_path / "dot-ssh")
    result = rangectl("access", "ottawa", "--out", str(folder), "--exercise", state.exercise,
                      state_dir=state.root)
    assert result.returncode == 2, result.stderr
    assert "files a kit would overwrite (ssh_config, id_ed25519)" in result.stderr
    assert "new or empty folder" in result.stderr
    assert "--force" in result.stderr
    assert (folder / "id_ed25519").read_text(encoding="utf-8") == OWN_KEY
    assert (folder / "ssh_config").read_text(encoding="utf-8") == OWN_CONFIG
    assert sorted(p.name for p in folder.iterdir()) == ["id_ed25519", "ssh_config"]
    assert folder.stat().st_mode & 0o777 == 0o755


def test_access_refuses_a_folder_of_other_files_and_another_teams_kit(
        state: ExerciseState, tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("mine\n", encoding="utf-8")
    tallinn = tmp_path / "tallinn-kit"
    kit(state, "tallinn", tallinn)
    for folder in (notes, tallinn):
        result = rangectl("access", "ottawa", "--out", str(folder), "--exercise", state.exercise,
                          state_dir=state.root)
        assert result.returncode == 2, result.stderr
        assert "is not a kit of team 'ottawa'" in result.stderr
    assert "Access kit of team tallinn" in (tallinn / "ssh_config").read_text(encoding="utf-8")


def test_a_kit_is_written_new_refreshed_in_place_and_forced_only_when_asked(
        state: ExerciseState, tmp_path: Path) -> None:
    folder = tmp_path / "kit"
    config = kit(state, "ottawa", folder)
    assert folder.stat().st_mode & 0o777 == 0o700
    assert (folder / "id_ed25519").stat().st_mode & 0o777 == 0o600
    (folder / "known_hosts").write_text("stale\n", encoding="utf-8")
    assert kit(state, "ottawa", folder) == config  # the same team's kit: refreshed
    assert "rangectl-scoring-golden-ottawa-web" in (folder / "known_hosts").read_text()
    with pytest.raises(InvalidInputError, match="is not a kit of team 'tallinn'"):
        kit(state, "tallinn", folder)
    forced = dot_ssh(tmp_path / "forced")
    kit(state, "ottawa", forced, force=True)
    assert (forced / "id_ed25519").read_text(encoding="utf-8") != OWN_KEY


def test_a_forced_kit_replaces_a_planted_link_instead_of_writing_through_it(
        state: ExerciseState, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.write_text("not a key\n", encoding="utf-8")
    folder = tmp_path / "kit"
    folder.mkdir()
    (folder / "id_ed25519").symlink_to(target)
    kit(state, "ottawa", folder, force=True)
    assert target.read_text(encoding="utf-8") == "not a key\n"
    assert not (folder / "id_ed25519").is_symlink()
