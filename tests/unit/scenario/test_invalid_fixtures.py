"""Each invalid fixture states, in `# expect: LINE: text` lines, what it must produce."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orchestrator.cli.common import load
from orchestrator.errors import ScenarioError
from orchestrator.plan import plan_loaded
from tests.conftest import FIXTURES

INVALID = sorted((FIXTURES / "invalid").glob("*.yml"))
EXPECT = re.compile(r"^# expect: (\d+): (.+)$")


def expectations(path: Path) -> list[tuple[int, str]]:
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = EXPECT.match(line)
        if match:
            found.append((int(match.group(1)), match.group(2)))
    return found


def test_there_are_at_least_thirty_invalid_fixtures() -> None:
    assert len(INVALID) >= 30


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_fixture_reports_its_problems(path: Path) -> None:
    expected = expectations(path)
    assert expected, f"{path.name} states no '# expect: LINE: text'"
    with pytest.raises(ScenarioError) as caught:
        plan_loaded(load(path))
    problems = caught.value.problems
    rendered = [problem.render() for problem in problems]
    for line, text in expected:
        matching = [p for p in problems if p.line == line and text in p.render()]
        assert matching, f"expected line {line}: {text!r}; got {rendered}"
        assert all(p.file == str(path) for p in matching)
    assert len(problems) == len(expected), f"unexpected extra problems: {rendered}"
