"""Read a scenario file into plain data, remembering where every value stood.

PyYAML's own loaders either execute tags (unsafe) or forget positions, and its
composer recurses (deep nesting crashes it) and expands aliases eagerly (an
alias bomb eats memory). So we build the tree ourselves from the parser's event
stream: iteratively, with bounds on size, depth and alias expansion, accepting
only plain-data tags, and recording the line and column of every key and value
so that later errors can point at them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from orchestrator.errors import Problem
from orchestrator.scenario.source_map import PathKey, Position, SourceMap, YamlSourceError
from orchestrator.scenario.yaml_tree import (
    LOADER,
    MAX_DEPTH,
    MAX_NODES,
    MergeKey,
    Node,
    TreeBuilder,
)

# Re-exported: the scenario reader's whole interface, whichever module holds it.
__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "MAX_NODES", "PathKey", "Position", "SourceMap",
           "YamlSourceError", "parse_yaml", "read_yaml"]

MAX_FILE_BYTES = 2 * 1024 * 1024


def read_yaml(path: Path) -> tuple[Any, SourceMap]:
    """Read `path` and return its data with the positions of every value."""
    name = str(path)
    text = _read_text(path, name)
    return parse_yaml(text, name)


def parse_yaml(text: str, name: str) -> tuple[Any, SourceMap]:
    """Parse one YAML document of plain data, bounded in size, depth and aliases."""
    if not text.strip():
        raise YamlSourceError(
            Problem(name, None, None, "the file is empty",
                    "a scenario starts with 'version: 1' and 'name:'; see docs/scenario.md")
        )
    root = TreeBuilder(name, text).build(yaml.parse(text, Loader=LOADER))
    source_map = SourceMap(name)
    data = _convert(root, (), source_map)
    return data, source_map


def _read_text(path: Path, name: str) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise YamlSourceError(
                Problem(name, None, None,
                        f"the file is {size / 1024 / 1024:.1f} MiB; a scenario may be at most "
                        f"{MAX_FILE_BYTES // 1024 // 1024} MiB",
                        "is this the right file? scenarios are a few hundred lines")
            )
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise YamlSourceError(Problem(name, None, None, "no such file")) from None
    except IsADirectoryError:
        raise YamlSourceError(
            Problem(name, None, None, "is a directory, not a scenario file")
        ) from None
    except OSError as exc:
        raise YamlSourceError(
            Problem(name, None, None, f"cannot read the file: {exc.strerror}")
        ) from None
    if b"\x00" in raw:
        line, column = _place_of_offset(raw, raw.index(b"\x00"))
        raise YamlSourceError(
            Problem(name, line, column, "the file is binary (it holds a NUL byte), not YAML text")
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _place_of_offset(raw, exc.start)
        raise YamlSourceError(
            Problem(name, line, column,
                    f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x})",
                    "save the file as UTF-8")
        ) from None
    return text.removeprefix("\ufeff")


def _place_of_offset(raw: bytes, offset: int) -> tuple[int, int]:
    before = raw[:offset]
    line = before.count(b"\n") + 1
    column = offset - (before.rfind(b"\n") + 1) + 1
    return line, column


def _key_text(key: Node, builder_name: str) -> str:
    if key.kind != "scalar":
        raise YamlSourceError(
            Problem(builder_name, key.position.line, key.position.column,
                    "a mapping key must be a plain name, not a list or mapping")
        )
    value = key.value
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _convert(node: Node, path: PathKey, source_map: SourceMap) -> Any:
    """Turn a node tree into plain data, iteratively, recording positions."""
    result_holder: list[Any] = [None]
    # Each work item: (node, path, container, slot) writes the result into container[slot].
    work: list[tuple[Node, PathKey, Any, Any]] = [(node, path, result_holder, 0)]
    while work:
        current, current_path, container, slot = work.pop()
        source_map.values.setdefault(current_path, current.position)
        if current.kind == "scalar":
            container[slot] = current.value
        elif current.kind == "seq":
            items: list[Any] = [None] * len(current.items)
            container[slot] = items
            for index, child in enumerate(current.items):
                work.append((child, (*current_path, index), items, index))
        else:
            mapping: dict[str, Any] = {}
            container[slot] = mapping
            for key, child in _mapping_entries(current, current_path, source_map):
                mapping[key] = None
                work.append((child, (*current_path, key), mapping, key))
    return result_holder[0]


def _mapping_entries(
    node: Node, path: PathKey, source_map: SourceMap
) -> list[tuple[str, Node]]:
    """The key/value pairs of a mapping node, merges applied, duplicates refused."""
    entries: dict[str, Node] = {}
    merged: dict[str, Node] = {}
    pairs = node.items
    for index in range(0, len(pairs) - 1, 2):
        key_node, value_node = pairs[index], pairs[index + 1]
        if key_node.kind == "scalar" and isinstance(key_node.value, MergeKey):
            for source in _merge_sources(value_node, source_map.file):
                for key, child in _mapping_pairs(source, source_map.file):
                    merged.setdefault(key, child)
            continue
        key = _key_text(key_node, source_map.file)
        if key in entries:
            first = source_map.keys[(*path, key)]
            raise YamlSourceError(
                Problem(source_map.file, key_node.position.line, key_node.position.column,
                        f"duplicate key '{key}' (first defined at line {first.line})",
                        "remove one of them")
            )
        entries[key] = value_node
        source_map.keys[(*path, key)] = key_node.position
    for key, child in merged.items():
        if key not in entries:
            entries[key] = child
            source_map.keys.setdefault((*path, key), child.position)
    return list(entries.items())


def _merge_sources(value: Node, file: str) -> list[Node]:
    sources = value.items if value.kind == "seq" else [value]
    for source in sources:
        if source.kind != "map":
            raise YamlSourceError(
                Problem(file, source.position.line, source.position.column,
                        "a merge key '<<' takes a mapping or a list of mappings")
            )
    return sources


def _mapping_pairs(node: Node, file: str) -> list[tuple[str, Node]]:
    """The entries of a merged mapping; its own merges apply, its places are not kept."""
    return _mapping_entries(node, ("<merge>",), SourceMap(file))
