"""Where rangectl keeps what it knows about exercises, on disk.

Each exercise has a folder under the state directory with its record (which
scenario, which teams, which ports), the plan it was built from, and (from the
exercise engine on) its event store. Files are written atomically (write, then
rename), so a controller killed mid-write never leaves a torn record.
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


def state_root() -> Path:
    """RANGECTL_STATE_DIR, else $XDG_STATE_HOME/rangectl, else ~/.local/state/rangectl."""
    override = os.environ.get("RANGECTL_STATE_DIR")
    if override:
        return Path(override)
    xdg = os.environ.get("XDG_STATE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "state"
    return base / "rangectl"


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
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
    """The folder of one exercise."""

    def __init__(self, exercise: str, root: Path | None = None) -> None:
        self.exercise = exercise
        self.directory = (root or state_root()) / "exercises" / exercise

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
        write_atomically(self.record_path, record.to_json())

    def load_plan(self) -> Plan | None:
        if not self.plan_path.is_file():
            return None
        return Plan.model_validate_json(self.plan_path.read_text(encoding="utf-8"))

    def save_plan(self, plan: Plan) -> None:
        write_atomically(self.plan_path, plan.model_dump_json(indent=2) + "\n")

    def purge(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)


def known_exercises(root: Path | None = None) -> list[str]:
    """Exercises with a record in the state directory, by name."""
    directory = (root or state_root()) / "exercises"
    if not directory.is_dir():
        return []
    return sorted(entry.name for entry in directory.iterdir()
                  if (entry / "exercise.json").is_file())
