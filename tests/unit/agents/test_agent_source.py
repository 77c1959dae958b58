"""The range-side agents as they are shipped: read through the package, whole on their own.

An agent's source is sent into a container with `python3 -c`, so what matters
is that the text `agent_source` returns runs alone, on a host with none of
rangectl installed, and that it is found from an installed package (a zip
here, as strict as a wheel) as well as from a checkout.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import orchestrator
from orchestrator.agents import AGENTS, agent_source

PACKAGE = Path(orchestrator.__file__).parent
# What a range host offers an agent beyond the standard library (the scorebot image).
# paramiko: the scorebot installs it; ansible: the host image (and all FROM it) carries it.
RANGE_HOST_EXTRAS = {"ansible", "paramiko"}


def imported_modules(source: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def run_agent(name: str, request: dict[str, object], *args: str) -> dict[str, object]:
    """The agent's source run the way a session runs it: `python3 -I -c SOURCE`."""
    done = subprocess.run([sys.executable, "-I", "-c", agent_source(name), *args],
                          input=json.dumps(request) + "\n", capture_output=True, text=True,
                          timeout=60, check=True)
    answer: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


@pytest.mark.parametrize("name", sorted(AGENTS))
def test_the_source_is_the_shipped_module(name: str) -> None:
    shipped = (PACKAGE / "agents" / f"{name}.py").read_text(encoding="utf-8")
    assert agent_source(name) == shipped


def test_an_unknown_agent_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="no range-side agent 'syslog_relay'"):
        agent_source("syslog_relay")
    with pytest.raises(ValueError, match="no range-side agent"):
        agent_source("../scorebot")


@pytest.mark.parametrize("name", sorted(AGENTS))
def test_agents_need_nothing_but_what_a_range_host_has(name: str) -> None:
    foreign = imported_modules(agent_source(name)) - set(sys.stdlib_module_names) \
        - RANGE_HOST_EXTRAS
    assert foreign == set(), f"{name} imports {foreign}: not on a range host"


def test_the_check_runner_runs_alone() -> None:
    assert run_agent("check_runner", {"checks": []}) == {"results": []}
    answer = run_agent("check_runner", {"checks": [
        {"id": "web/tcp", "type": "tcp", "address": "127.0.0.1", "port": 1, "timeout": 2}]})
    assert answer["results"][0]["result"] == "down"  # type: ignore[index]


def test_a_serving_check_runner_answers_every_request_with_its_commands_reaped() -> None:
    """One event loop serves the whole session: later ticks' command checks still
    start, finish and leave no child behind (each answer is that tick's)."""
    command = {"type": "command", "run": "echo tick", "contains": "tick", "timeout": 5}
    lines = "".join(json.dumps({"checks": [dict(command, id=f"c{tick}-{n}") for n in range(3)]})
                    + "\n" for tick in range(4))
    done = subprocess.run([sys.executable, "-I", "-c", agent_source("check_runner"), "--serve"],
                          input=lines, capture_output=True, text=True, timeout=60, check=True)
    answers = [json.loads(line)["results"] for line in done.stdout.splitlines()]
    assert [[r["id"] for r in results] for results in answers] == [
        [f"c{tick}-{n}" for n in range(3)] for tick in range(4)]
    assert {r["result"] for results in answers for r in results} == {"ok"}


def test_the_spool_reader_runs_alone(tmp_path: Path) -> None:
    spool, archive = tmp_path / "incidents", tmp_path / "archive"
    spool.mkdir()
    archive.mkdir()
    (spool / "r1.json").write_text('{"host": "web"}', encoding="utf-8")
    answer = run_agent("spool_reader", {"archive": []}, str(spool), str(archive))
    entries = answer["entries"]
    assert isinstance(entries, list)
    assert [(entry["file"], entry["text"]) for entry in entries] == [("r1.json",
                                                                      '{"host": "web"}')]


def test_the_sources_are_found_inside_a_zipped_package(tmp_path: Path) -> None:
    """No path next to a file: a wheel (or a zip) serves them through importlib.resources."""
    bundle = tmp_path / "rangectl.zip"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.write(PACKAGE / "__init__.py", "orchestrator/__init__.py")
        for path in (PACKAGE / "agents").glob("*.py"):
            archive.write(path, f"orchestrator/agents/{path.name}")
    probe = ("import json, sys; sys.path.insert(0, sys.argv[1]); "
             "import orchestrator.agents as agents; "
             "print(json.dumps([agents.__file__, {name: agents.agent_source(name) "
             "for name in agents.AGENTS}]))")
    done = subprocess.run([sys.executable, "-I", "-c", probe, str(bundle)],
                          capture_output=True, text=True, timeout=60, check=True)
    where, sources = json.loads(done.stdout)
    assert where.startswith(str(bundle))
    assert sources == {name: agent_source(name) for name in AGENTS}
