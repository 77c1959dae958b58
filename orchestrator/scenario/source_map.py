"""Where each value of a scenario file stood, so every problem names its line."""

from __future__ import annotations

from dataclasses import dataclass, field

from orchestrator.errors import Problem

PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class Position:
    """A 1-based line and column in a file."""

    line: int
    column: int


@dataclass
class SourceMap:
    """Where each value (and each mapping key) of a loaded document stood."""

    file: str
    values: dict[PathKey, Position] = field(default_factory=dict)
    keys: dict[PathKey, Position] = field(default_factory=dict)

    def locate(self, path: PathKey, *, prefer_key: bool = False) -> Position | None:
        """Return the position of `path`, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            if prefer_key and prefix in self.keys:
                return self.keys[prefix]
            if prefix in self.values:
                return self.values[prefix]
        return None

    def problem(
        self, path: PathKey, message: str, hint: str | None = None, *, at_key: bool = False
    ) -> Problem:
        """Build a problem placed at `path` (at its key when `at_key`)."""
        pos = self.locate(path, prefer_key=at_key)
        return Problem(
            self.file, pos.line if pos else None, pos.column if pos else None, message, hint
        )


class YamlSourceError(Exception):
    """The file could not be read as a plain-data YAML document."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.render())
        self.problem = problem
