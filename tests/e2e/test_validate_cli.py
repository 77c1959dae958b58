"""`rangectl validate` as a controller runs it: exit codes, messages, no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, SCENARIOS
from tests.e2e.cli import rangectl

INVALID = sorted((FIXTURES / "invalid").glob("*.yml"))


def test_shipped_scenarios_are_valid() -> None:
    result = rangectl("validate", str(SCENARIOS / "arctic-sentinel.yml"),
                      str(SCENARIOS / "quickstart.yml"))
    assert result.returncode == 0, result.stderr
    assert "arctic-sentinel.yml: scenario 'arctic-sentinel'" in result.stderr
    assert result.stderr.count("ok ") == 2


def test_all_invalid_fixtures_at_once_exit_2_each_named() -> None:
    result = rangectl("validate", *map(str, INVALID), limit_memory=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    for path in INVALID:
        assert f"{path}:" in result.stderr, path.name


def test_json_output_lists_every_problem() -> None:
    bad = FIXTURES / "invalid" / "unknown-top-level-key.yml"
    result = rangectl("validate", "--output", "json", str(bad), str(SCENARIOS / "quickstart.yml"))
    assert result.returncode == 2
    report = json.loads(result.stdout)
    assert [entry["valid"] for entry in report] == [False, True]
    assert any("did you mean 'networks'?" in p for p in report[0]["problems"])


def hostile_files(tmp_path: Path) -> dict[str, Path]:
    files = {
        "empty.yml": b"",
        "latin1.yml": b"name: caf\xe9\n",
        "garbage.yml": bytes(range(256)) * 64,
        "tabs.yml": b"version: 1\nteams:\n\t- id: x\n",
        "unclosed.yml": b"version: 1\nteams: [{id: x\n",
        "scalar-root.yml": b"just a string\n",
        "exec.yml": b"version: !!python/object/apply:os.system ['touch /tmp/rangectl-exec']\n",
        "bomb.yml": b"a: &a [" + b"x," * 9 + b"x]\n" + b"".join(
            b"a%d: &a%d [" % (i, i) + b",".join([b"*a" if i == 1 else b"*a%d" % (i - 1)] * 10)
            + b"]\n" for i in range(1, 9)),
        "deep.yml": b"a: " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
        "dupes.yml": b"version: 1\nversion: 1\n",
    }
    paths = {}
    for name, content in files.items():
        path = tmp_path / name
        path.write_bytes(content)
        paths[name] = path
    huge = tmp_path / "huge.yml"
    with huge.open("wb") as handle:
        handle.write(b"name: x\n" + b"# padding\n" * (3 * 1024 * 1024))
    paths["huge.yml"] = huge
    return paths


def test_hostile_files_fail_cleanly_with_bounded_memory(tmp_path: Path) -> None:
    paths = hostile_files(tmp_path)
    for name, path in paths.items():
        result = rangectl("validate", str(path), limit_memory=True)
        assert result.returncode == 2, (name, result.stderr)
        assert "Traceback" not in result.stderr, name
        assert str(path) in result.stderr, name
    assert not Path("/tmp/rangectl-exec").exists()


def test_missing_file_is_invalid_input() -> None:
    result = rangectl("validate", "no-such-scenario.yml")
    assert result.returncode == 2
    assert "no-such-scenario.yml: no such file" in result.stderr


@pytest.mark.parametrize("debug", [False, True])
def test_traceback_only_with_debug(debug: bool) -> None:
    args = ["--debug"] if debug else []
    result = rangectl(*args, "plan", str(SCENARIOS / "quickstart.yml"), "--teams", "nobody")
    assert result.returncode == 2
    assert "no team 'nobody'" in result.stderr
    assert ("Traceback" in result.stderr) is debug
