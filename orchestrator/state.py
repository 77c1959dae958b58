"""Where rangectl keeps what it knows about exercises, on disk.

Each exercise has a folder under the state directory with its record (which
scenario, which teams, which ports), the plan it was built from, and (from the
exercise engine on) its event store. Files are written atomically (write, then
rename), so a controller killed mid-write never leaves a torn record.

The state holds every team's keys and secrets, so it is the controller's alone:
folders 0700, files 0600. An exercise id becomes a folder name, so it is checked
(the scenario's Name rule) wherever one enters, and every path is checked to
resolve strictly inside the state directory before anything reads, writes or
deletes it: `down --purge --exercise ..` must never reach the state root.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from orchestrator.errors import InvalidInputError
from orchestrator.plan.model import Plan
from orchestrator.scenario.types import NAME_HINT, is_name

PRIVATE_DIRECTORY = 0o700


def state_root() -> Path:
    """RANGECTL_STATE_DIR, else $XDG_STATE_HOME/rangectl, else ~/.local/state/rangectl."""
    override = os.environ.get("RANGECTL_STATE_DIR")
    if override:
        return Path(override)
    xdg = os.environ.get("XDG_STATE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "state"
    return base / "rangectl"


def check_exercise_id(exercise: str) -> str:
    """`exercise`, if it is a valid id; else the error a user sees (exit 2)."""
    if not is_name(exercise):
        shown = exercise if len(exercise) <= 40 else exercise[:40] + "..."
        raise InvalidInputError(f"{shown!r} is not a valid exercise id",
                                f"{NAME_HINT}; list the exercises with: rangectl exercises")
    return exercise


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` (mode 0600) so that no reader ever sees half of it; a
    symbolic link at `path` is replaced, never followed."""
    path.parent.mkdir(mode=PRIVATE_DIRECTORY, parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class ExerciseRecord:
    """What `up` decided once and every later command must agree with."""

    exercise: str
    scenario_name: str
    scenario_path: str
    teams: tuple[str, ...]
    bind_address: str = "127.0.0.1"
    bastion_ports: dict[str, int] = field(default_factory=dict)
    scenario_digest: str = ""  # of the scenario as `up` read it ("" in older records)

    def to_json(self) -> str:
        data = asdict(self)
        data["teams"] = list(self.teams)
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ExerciseRecord:
        data: dict[str, Any] = json.loads(text)
        data["teams"] = tuple(data["teams"])
        return cls(**data)


class ExerciseState:
    """The folder of one exercise, `STATE/exercises/ID`, never anywhere else."""

    def __init__(self, exercise: str, root: Path | None = None) -> None:
        self.exercise = check_exercise_id(exercise)
        self.root = root or state_root()
        self.directory = self.root / "exercises" / exercise
        self._check_inside()

    def _check_inside(self) -> None:
        """Refuse a folder that resolves anywhere but STATE/exercises/ID (say, through a
        symbolic link planted there)."""
        expected = self.root.resolve() / "exercises" / self.exercise
        if self.directory.resolve() != expected:
            raise InvalidInputError(
                f"the state of exercise '{self.exercise}' ({self.directory}) leads to "
                f"{self.directory.resolve()}, outside the state directory",
                "it is not a folder rangectl made; look at it and remove the link by hand")

    def create(self) -> None:
        """Make the exercise's folder, and the state directory if it is new, private
        (0700); an existing exercise's folders are made private again."""
        if not self.root.exists():
            self.root.mkdir(mode=PRIVATE_DIRECTORY, parents=True)
        for folder in (self.root / "exercises", self.directory):
            folder.mkdir(mode=PRIVATE_DIRECTORY, exist_ok=True)
            os.chmod(folder, PRIVATE_DIRECTORY)
        self._check_inside()

    @property
    def record_path(self) -> Path:
        return self.directory / "exercise.json"

    @property
    def plan_path(self) -> Path:
        return self.directory / "plan.json"

    @property
    def events_path(self) -> Path:
        return self.directory / "events.db"

    def exists(self) -> bool:
        return self.record_path.is_file()

    def load_record(self) -> ExerciseRecord:
        try:
            return ExerciseRecord.from_json(self.record_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InvalidInputError(f"no exercise '{self.exercise}'",
                                    "list them with: rangectl exercises") from None

    def save_record(self, record: ExerciseRecord) -> None:
        self.create()
        write_atomically(self.record_path, record.to_json())

    def load_plan(self) -> Plan | None:
        if not self.plan_path.is_file():
            return None
        return Plan.model_validate_json(self.plan_path.read_text(encoding="utf-8"))

    def save_plan(self, plan: Plan) -> None:
        write_atomically(self.plan_path, plan.model_dump_json(indent=2) + "\n")

    def purge(self) -> None:
        """Delete the exercise's folder, after checking once more where it leads."""
        self._check_inside()
        shutil.rmtree(self.directory, ignore_errors=True)


def known_exercises(root: Path | None = None) -> list[str]:
    """Exercises with a record in the state directory, by name (a folder whose name is
    not a valid id is not rangectl's, and is left alone)."""
    directory = (root or state_root()) / "exercises"
    if not directory.is_dir():
        return []
    return sorted(entry.name for entry in directory.iterdir()
                  if is_name(entry.name) and not entry.is_symlink()
                  and (entry / "exercise.json").is_file())
