"""Exercise ids are folder names: a hostile one must never lead outside the state.

Before, `down --purge --exercise ..` deleted the whole state directory (every
exercise's keys, secrets and events), `--exercise ""` silently picked the only
exercise, and an absolute id named any folder on the machine. Now every
command refuses an id that is not a valid name with exit 2, before it acts.

No test here passes `/etc` (or any real system path) to a command that could
delete or create files: run against the code before the fix, it would have.
The absolute id used is a folder of the test's own.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import cast

import pytest
from click.testing import CliRunner

from orchestrator.cli.main import cli
from orchestrator.deploy import resolve_exercise
from orchestrator.errors import InvalidInputError
from orchestrator.events.store import EventStore
from orchestrator.runtime.backend import RangeBackend
from orchestrator.state import ExerciseState, known_exercises
from tests.conftest import SCENARIOS
from tests.e2e.cli import rangectl
from tests.unit.scoring.golden import golden_exercise

QUICKSTART = str(SCENARIOS / "quickstart.yml")
GOLDEN = "scoring-golden"

# Every command that takes --exercise, with the other arguments it requires.
COMMANDS = [
    ["plan", QUICKSTART], ["up", QUICKSTART], ["status"], ["down", "--purge"],
    ["access", "ottawa"], ["connect", "ottawa"], ["logins"], ["run"], ["pause"],
    ["resume"], ["stop"], ["inject", "scan", "--team", "ottawa"], ["score"],
    ["serve", "--port", "0"], ["report", "-o", "-"],
    ["void", "inject", "scan", "--reason", "r"],
    ["void", "checks", "--from", "0", "--to", "10", "--reason", "r"],
    ["penalize", "ottawa", "--reason", "r"],
]


def hostile_ids(victim: Path) -> list[str]:
    return ["..", "../x", "../..", str(victim), "a/b", "", "x" * 33, "Upper", "ok\n",
            ".", "-a"]


def snapshot(root: Path) -> list[str]:
    """Every file and folder under `root` (but SQLite's own passing -wal and -shm files)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if not p.name.endswith(("-wal", "-shm")))


@pytest.fixture
def state_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A state directory with one exercise in it, and a folder outside it to protect."""
    root = tmp_path / "state"
    golden_exercise(root)
    (root / "canary").write_text("the state root must survive\n", encoding="utf-8")
    (tmp_path / "victim").mkdir()
    (tmp_path / "victim" / "exercise.json").write_text("{}", encoding="utf-8")
    monkeypatch.setenv("RANGECTL_STATE_DIR", str(root))
    return root


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_command_refuses_a_hostile_exercise_id(command: list[str], state_root: Path,
                                                     tmp_path: Path) -> None:
    before = snapshot(state_root)
    for exercise in hostile_ids(tmp_path / "victim"):
        # --exercise first, so it is checked before anything else the command needs.
        split = 2 if command[0] == "void" else 1
        args = [*command[:split], "--exercise", exercise, *command[split:]]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        assert "is not a valid exercise id" in result.stderr, (args, result.stderr)
        assert "hint: use lower-case letters" in result.stderr
    assert snapshot(state_root) == before
    assert (tmp_path / "victim" / "exercise.json").exists()


def test_down_purge_of_a_hostile_id_deletes_nothing(state_root: Path, tmp_path: Path) -> None:
    for exercise in hostile_ids(tmp_path / "victim"):
        result = rangectl("down", "--purge", "--exercise", exercise, state_dir=state_root)
        assert result.returncode == 2, (exercise, result.stderr)
        assert "is not a valid exercise id" in result.stderr
        assert "Traceback" not in result.stderr
        assert (state_root / "canary").is_file(), f"--exercise {exercise!r} reached the root"
        assert known_exercises(state_root) == [GOLDEN], exercise
    assert (tmp_path / "victim" / "exercise.json").is_file()


def test_the_state_folder_of_an_id_never_leads_outside_the_state(tmp_path: Path) -> None:
    root = tmp_path / "state"
    for exercise in ["..", "/etc", "a/b", "", "x" * 33, "../state"]:
        with pytest.raises(InvalidInputError, match="not a valid exercise id"):
            ExerciseState(exercise, root=root)
    # A valid id whose folder is a link planted to somewhere else is refused too.
    (root / "exercises").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_text("x", encoding="utf-8")
    (root / "exercises" / "planted").symlink_to(outside)
    with pytest.raises(InvalidInputError, match="outside the state directory"):
        ExerciseState("planted", root=root).purge()
    assert (outside / "keep").is_file()
    assert known_exercises(root) == []


class EngineWithAHostileLabel:
    """Anyone who can use the Docker engine can label a network `rangectl.exercise=..`."""

    def exercises(self) -> dict[str, list[str]]:
        return {"..": ["ottawa"], "/tmp": ["ottawa"]}


def test_a_hostile_engine_label_is_not_taken_for_an_exercise(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Commands without --exercise act on the only exercise there is, found in the
    # state folder or by label on the engine: those ids are checked too.
    monkeypatch.setenv("RANGECTL_STATE_DIR", str(tmp_path / "state"))
    with pytest.raises(InvalidInputError, match="there is no exercise"):
        resolve_exercise(cast(RangeBackend, EngineWithAHostileLabel()), None)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_exercise_is_private(tmp_path: Path) -> None:
    root = tmp_path / "fresh" / "state"
    state = golden_exercise(root)
    store = EventStore(state.events_path)  # an open store has its -wal and -shm files
    try:
        store.append("test.private")
        assert mode(root) == 0o700
        assert mode(root / "exercises") == 0o700
        assert mode(state.directory) == 0o700
        files = sorted(state.directory.iterdir())
        assert {p.name for p in files} >= {"exercise.json", "plan.json", "events.db",
                                          "events.db-wal", "events.db-shm"}
        for path in files:
            assert mode(path) == 0o600, path
    finally:
        store.close()


def test_an_older_exercise_is_made_private_again(tmp_path: Path) -> None:
    state = golden_exercise(tmp_path / "state")
    os.chmod(state.directory, 0o755)
    os.chmod(state.events_path, 0o644)
    EventStore(state.events_path).close()
    state.save_record(state.load_record())
    assert mode(state.directory) == 0o700
    assert mode(state.events_path) == 0o600
