"""rangectl's error types and the problems they carry.

Every error a user can cause is a `RangectlError` with a message written for
that user; the CLI turns them into a message and an exit code in one place, so
no other module prints or exits.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

EXIT_OK = 0
EXIT_RUNTIME = 1
EXIT_INVALID = 2


def one_line(text: str) -> str:
    """`text` with every unprintable character escaped (`\\n`, `\\x1b`, `\\u202e`).

    Messages quote what the user wrote, and a scenario travels between nations:
    a quoted newline or terminal escape must not forge further lines of output
    or rewrite the terminal of the controller who reads them.
    """
    if text.isprintable():
        return text
    return "".join(character.encode("unicode_escape").decode("ascii")
                   if unprintable(character) else character for character in text)


def unprintable(character: str) -> bool:
    """A control, format (bidi overrides, zero-width), surrogate or private-use
    character, or a line or paragraph separator: what must never be shown raw."""
    category = unicodedata.category(character)
    return category.startswith("C") or category in ("Zl", "Zp")


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input file, placed where the user can find it."""

    file: str
    line: int | None
    column: int | None
    message: str
    hint: str | None = None

    def render(self) -> str:
        """Return the problem as `FILE:LINE:COL: message (hint)`, as compilers print."""
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return one_line(text)


class RangectlError(Exception):
    """An error the user can act on; `exit_code` tells the CLI how to leave."""

    exit_code = EXIT_RUNTIME

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class InvalidInputError(RangectlError):
    """The user's input (a file, a flag) is wrong; nothing was changed."""

    exit_code = EXIT_INVALID


# A scenario error keeps (and so prints) at most this many problems: a hostile
# file with 100,000s of mistakes must not flood the controller's terminal.
MAX_PROBLEMS = 200


class ScenarioError(InvalidInputError):
    """A scenario file has problems; the first MAX_PROBLEMS are listed, each with its place.

    `omitted` counts the problems beyond those, which are only counted.
    """

    def __init__(self, problems: list[Problem]) -> None:
        ordered = sorted(problems, key=lambda p: (p.file, p.line or 0, p.column or 0))
        count = len(ordered)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} found")
        self.problems = ordered[:MAX_PROBLEMS]
        self.omitted = count - len(self.problems)

    def rendered(self) -> list[str]:
        """Each kept problem as a line, then one line counting the omitted ones."""
        lines = [problem.render() for problem in self.problems]
        if self.omitted:
            lines.append(f"... and {self.omitted} more problem{'s' if self.omitted != 1 else ''}")
        return lines


class RuntimeFailureError(RangectlError):
    """Something outside the input failed (the engine, a host); the message says what."""

    exit_code = EXIT_RUNTIME
