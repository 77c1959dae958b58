"""The declared event kinds, the docs' event table and the code agree.

docs/exercise.md is where instructors and report readers learn what an event
means; orchestrator/events/kinds.py is what the code writes. A kind added,
renamed or given a field in one and not the other fails here, and so does a
kind nobody writes or a kind spelt out as a string somewhere else.
"""

from __future__ import annotations

import ast
import re
from dataclasses import fields
from pathlib import Path

from orchestrator.events import kinds
from orchestrator.events.payload import KINDS

ROOT = Path(__file__).parents[3]
DOCS = ROOT / "docs" / "exercise.md"
SOURCES = ("orchestrator", "scoring", "scripts", "benchmarks")
DECLARED_IN = {ROOT / "orchestrator" / "events" / name  # kinds.py re-exports the others'
               for name in ("kinds.py", "white_cell_kinds.py", "reset_kinds.py")}
PREFIXES = (kinds.CONTROL_PREFIX, kinds.INCIDENT_PREFIX, kinds.TRAINEE_PREFIX)


def documented() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Each kind in the docs' Events tables: its `when` and its fields."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("\n## Events\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, tuple[str, tuple[str, ...]]] = {}
    for row in re.findall(r"^\| `([a-z_.]+)` \| (.*) \| (.*) \|$", section, re.MULTILINE):
        kind, when, names = row
        assert kind not in rows, f"{kind} is documented twice"
        rows[kind] = (when, tuple(re.findall(r"`([a-z_]+)`", names)))
    return rows


def sources() -> list[Path]:
    return [path for folder in SOURCES for path in sorted((ROOT / folder).rglob("*.py"))
            if path not in DECLARED_IN]


def test_the_docs_list_every_declared_kind_and_no_other() -> None:
    assert set(documented()) == set(KINDS)


def test_the_docs_give_each_kind_its_fields_and_when() -> None:
    for kind, (when, names) in documented().items():
        cls = KINDS[kind]
        assert names == tuple(field.name for field in fields(cls)), kind
        assert when == cls.when, kind


def test_every_kind_is_registered_under_its_own_string() -> None:
    assert len(KINDS) == 46
    for kind, cls in KINDS.items():
        assert cls.kind == kind
        assert re.fullmatch(r"[a-z]+\.[a-z_]+", kind)
    for prefix in PREFIXES:
        assert any(kind.startswith(prefix) for kind in KINDS), prefix


def test_every_kind_is_written_somewhere() -> None:
    """Built (or mapped to, as deploy does) outside kinds.py, not only compared with."""
    text = "\n".join(path.read_text(encoding="utf-8") for path in sources())
    unwritten = [cls.__name__ for cls in KINDS.values()
                 if not re.search(rf"\b{cls.__name__}\b(?!\.kind)", text)]
    assert unwritten == []


def test_no_kind_is_spelt_out_outside_the_declarations() -> None:
    spelt: list[str] = []
    for path in sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and (node.value in KINDS or node.value in PREFIXES):
                spelt.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value}")
    assert spelt == []
