"""One meaning for `-o` across the CLI, and the old spellings still working.

`-o` named a file in `access`, `schema` and `report` and a format in seven
other commands; it now always names the format and `--out` the file. Scripts
written against the old spelling keep working, told what to write instead.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.cli import rangectl
from tests.unit.scoring.golden import golden_exercise

DEPRECATED = "is deprecated; write"


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    golden_exercise(tmp_path)
    return tmp_path


def test_report_takes_its_format_from_o_and_its_file_from_out(state_dir: Path) -> None:
    target = state_dir / "ledger.txt"  # the suffix no longer decides: -o does
    result = rangectl("report", "-o", "json", "--out", str(target), state_dir=state_dir)
    assert result.returncode == 0, result.stderr
    assert DEPRECATED not in result.stderr
    assert json.loads(target.read_text(encoding="utf-8"))["exercise"] == "scoring-golden"


@pytest.mark.parametrize("args", [
    ("report", "-o", "{file}"),
    ("report", "--output", "{file}"),
    ("report", "--format", "json", "--out", "{file}"),
    ("report", "--format", "json", "-o", "{file}"),
])
def test_the_old_report_spellings_still_write_the_same_report(
        state_dir: Path, args: tuple[str, ...]) -> None:
    reference = rangectl("report", "-o", "json", "--out", "-", state_dir=state_dir)
    target = state_dir / "old.json"
    result = rangectl(*(arg.format(file=target) for arg in args), state_dir=state_dir)
    assert result.returncode == 0, result.stderr
    assert DEPRECATED in result.stderr
    written = json.loads(target.read_text(encoding="utf-8"))
    expected = json.loads(reference.stdout)
    for document in (written, expected):
        del document["generated"]  # the wall-clock time of writing
    assert written == expected


def test_a_word_that_is_neither_format_nor_file_is_refused_with_a_fix(
        state_dir: Path) -> None:
    result = rangectl("report", "-o", "pdf", state_dir=state_dir)
    assert result.returncode == 2
    assert "-o/--output takes a format, not 'pdf'" in result.stderr
    assert "--out FILE" in result.stderr
    assert "Traceback" not in result.stderr


def test_schema_writes_its_file_with_out_and_still_with_o(tmp_path: Path) -> None:
    new, old = tmp_path / "new.json", tmp_path / "old.json"
    written = rangectl("schema", "--out", str(new), state_dir=tmp_path)
    legacy = rangectl("schema", "-o", str(old), state_dir=tmp_path)
    assert written.returncode == 0, written.stderr
    assert legacy.returncode == 0, legacy.stderr
    assert DEPRECATED not in written.stderr
    assert "-o PATH is deprecated; write --out PATH" in legacy.stderr
    assert new.read_text(encoding="utf-8") == old.read_text(encoding="utf-8")
    assert json.loads(new.read_text(encoding="utf-8"))["title"]


def test_giving_the_file_twice_is_a_usage_error(tmp_path: Path) -> None:
    result = rangectl("schema", "-o", str(tmp_path / "a"), "--out", str(tmp_path / "b"),
                      state_dir=tmp_path)
    assert result.returncode == 2
    assert "give the file once" in result.stderr
    assert not (tmp_path / "a").exists()
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize("command", [("validate",), ("plan",), ("status",), ("exercises",),
                                     ("logins",), ("score",), ("images", "list"),
                                     ("report",)])
def test_o_names_the_format_in_every_command_that_has_one(command: tuple[str, ...]) -> None:
    result = rangectl(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert "-o, --output" in result.stdout
