"""Read a scenario file into plain data, remembering where every value stood.

PyYAML's own loaders either execute tags (unsafe) or forget positions, and its
composer recurses (deep nesting crashes it) and expands aliases eagerly (an
alias bomb eats memory). So we build the tree ourselves from the parser's event
stream: iteratively, with bounds on size, depth and alias expansion, accepting
only plain-data tags, and recording the line and column of every key and value
so that later errors can point at them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from orchestrator.errors import Problem

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 200_000

PathKey = tuple[str | int, ...]

_PLAIN_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:merge",
}
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
# No number a scenario needs is longer; PyYAML builds a YAML 1.1 base-60
# number (`1:0:0:...`) in time quadratic in its length (2 MiB took 91 s), and a
# long integer costs as much to construct and to check.
MAX_NUMBER_LENGTH = 32

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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


@dataclass
class _Node:
    """One YAML node before conversion; aliases share the same object."""

    kind: str  # "scalar" | "map" | "seq"
    position: Position
    value: Any = None
    items: list[Any] = field(default_factory=list)
    weight: int = 1  # nodes this one expands to, aliases counted in full


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
    root = _Builder(name, text).build(yaml.parse(text, Loader=_Loader))
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


def _shown(value: str, limit: int = 40) -> str:
    """`value`, cut to `limit` characters for a message."""
    return value if len(value) <= limit else value[:limit] + "..."


def _position(mark: Any) -> Position:
    return Position(mark.line + 1, mark.column + 1)


class _Builder:
    """Turn parser events into a `_Node` tree without recursion."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text
        self.anchors: dict[str, _Node] = {}
        self.resolver = yaml.resolver.Resolver()

    def fail(self, position: Position | None, message: str, hint: str | None = None) -> None:
        raise YamlSourceError(
            Problem(self.name, position.line if position else None,
                    position.column if position else None, message, hint)
        )

    def build(self, events: Iterator[Any]) -> _Node:
        try:
            return self._build(events)
        except yaml.MarkedYAMLError as exc:
            raise YamlSourceError(self._syntax_problem(exc)) from None
        except yaml.YAMLError as exc:
            raise YamlSourceError(self._reader_problem(exc)) from None

    def _build(self, events: Iterator[Any]) -> _Node:
        stack: list[_Node] = []
        root: _Node | None = None
        documents = 0
        for event in events:
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    self.fail(_position(event.start_mark),
                              "a scenario file holds one YAML document; this is a second one",
                              "remove the '---' line or split the file")
                continue
            node = self._node_for(event, len(stack))
            if node is None:
                if isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                    finished = stack.pop()
                    self._count(finished)
                    node = finished
                    if stack:
                        stack[-1].items.append(node)
                    else:
                        root = node
                continue
            if node.kind == "scalar" or event.__class__ is yaml.AliasEvent:
                if stack:
                    stack[-1].items.append(node)
                else:
                    root = node
            else:
                stack.append(node)
        if root is None:
            self.fail(None, "the file holds no YAML document",
                      "a scenario starts with 'version: 1'; see docs/scenario.md")
        assert root is not None
        return root

    def _node_for(self, event: Any, depth: int) -> _Node | None:
        if isinstance(event, yaml.AliasEvent):
            target = self.anchors.get(str(event.anchor))
            if target is None:
                self.fail(_position(event.start_mark), f"unknown alias '*{event.anchor}'",
                          "define the anchor with '&name' before using '*name'")
            assert target is not None
            if target.kind != "scalar" and target.weight == 0:
                self.fail(_position(event.start_mark),
                          f"alias '*{event.anchor}' refers to the node that contains it")
            return target
        if isinstance(event, yaml.ScalarEvent):
            node = _Node("scalar", _position(event.start_mark), value=self._scalar(event))
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            is_map = isinstance(event, yaml.MappingStartEvent)
            position = _position(event.start_mark)
            if depth >= MAX_DEPTH:
                self.fail(position, f"nesting deeper than {MAX_DEPTH} levels",
                          "a scenario never nests this deep; is the file generated?")
            allowed = _MAP_TAG if is_map else _SEQ_TAG
            if event.tag not in (None, "!", allowed):
                self._refuse_tag(event.tag, position)
            node = _Node("map" if is_map else "seq", position, weight=0)
        else:
            return None
        if event.anchor is not None:
            self.anchors[event.anchor] = node
        return node

    def _scalar(self, event: Any) -> Any:
        position = _position(event.start_mark)
        if event.tag in (None, "!"):
            tag = self.resolver.resolve(  # type: ignore[no-untyped-call]
                yaml.ScalarNode, event.value, event.implicit
            )
        else:
            tag = event.tag
        if tag not in _PLAIN_SCALAR_TAGS:
            self._refuse_tag(tag, position)
        if tag in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp"):
            return event.value
        if tag == _MERGE_TAG:
            return _MergeKey()
        if tag in _NUMBER_TAGS:
            self._check_number(event.value, position)
        node = yaml.ScalarNode(tag, event.value)
        try:
            return yaml.constructor.SafeConstructor().construct_object(node)
        except (ValueError, yaml.YAMLError):
            self.fail(position, f"'{_shown(event.value)}' is not a valid {tag.rsplit(':', 1)[-1]}")
        return None

    def _check_number(self, value: str, position: Position) -> None:
        if len(value) > MAX_NUMBER_LENGTH:
            self.fail(position, f"number too long ({len(value)} characters; "
                      f"at most {MAX_NUMBER_LENGTH}): '{_shown(value)}'",
                      "no value in a scenario needs a number this long")
        if ":" in value:
            self.fail(position, f"'{value}' is a YAML 1.1 base-60 number, which rangectl "
                      "does not read", "write a duration like '1h30m', or quote the text")

    def _refuse_tag(self, tag: str, position: Position) -> None:
        shown = tag.replace("tag:yaml.org,2002:", "!!")
        self.fail(position, f"YAML tag '{shown}' is not allowed: scenario files hold plain data",
                  "remove the tag; rangectl never constructs objects from YAML")

    def _count(self, node: _Node) -> None:
        node.weight = 1 + sum(child.weight for child in node.items)
        if node.weight > MAX_NODES:
            self.fail(node.position,
                      f"the document expands to more than {MAX_NODES} values "
                      "(aliases repeated inside aliases?)",
                      "use fewer nested aliases")

    def _syntax_problem(self, exc: yaml.MarkedYAMLError) -> Problem:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        problem = exc.problem or "invalid YAML"
        message = f"invalid YAML: {problem}"
        if exc.context:
            message += f" ({exc.context})"
        hint = None
        lowered = problem.lower()
        context = (exc.context or "").lower()
        if line is not None and "\t" in self._line_text(line):
            hint = "YAML indents with spaces; replace the tab characters with spaces"
        elif "<stream end>" in problem or "flow" in context:
            hint = "a '[' or '{' opened earlier is not closed, or a ',' is missing"
        elif "quoted scalar" in context:
            hint = "a quote opened earlier is never closed"
        elif "mapping values are not allowed" in lowered:
            hint = "put a space after ':' or quote a value that contains ': '"
        elif "expected <block end>" in problem:
            hint = "check the indentation of this line against the lines above"
        return Problem(self.name, line, column, message, hint)

    def _line_text(self, line: int) -> str:
        lines = self.text.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""

    def _reader_problem(self, exc: yaml.YAMLError) -> Problem:
        position = getattr(exc, "position", None)
        return Problem(self.name, None, None,
                       f"invalid YAML: {exc}" if position is None else
                       f"invalid YAML at character {position}: {getattr(exc, 'reason', exc)}")


class _MergeKey:
    """Marks a YAML merge key (`<<`) until its mapping is converted."""


def _key_text(key: _Node, builder_name: str) -> str:
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


def _convert(node: _Node, path: PathKey, source_map: SourceMap) -> Any:
    """Turn a node tree into plain data, iteratively, recording positions."""
    result_holder: list[Any] = [None]
    # Each work item: (node, path, container, slot) writes the result into container[slot].
    work: list[tuple[_Node, PathKey, Any, Any]] = [(node, path, result_holder, 0)]
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
    node: _Node, path: PathKey, source_map: SourceMap
) -> list[tuple[str, _Node]]:
    """The key/value pairs of a mapping node, merges applied, duplicates refused."""
    entries: dict[str, _Node] = {}
    merged: dict[str, _Node] = {}
    pairs = node.items
    for index in range(0, len(pairs) - 1, 2):
        key_node, value_node = pairs[index], pairs[index + 1]
        if key_node.kind == "scalar" and isinstance(key_node.value, _MergeKey):
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


def _merge_sources(value: _Node, file: str) -> list[_Node]:
    sources = value.items if value.kind == "seq" else [value]
    for source in sources:
        if source.kind != "map":
            raise YamlSourceError(
                Problem(file, source.position.line, source.position.column,
                        "a merge key '<<' takes a mapping or a list of mappings")
            )
    return sources


def _mapping_pairs(node: _Node, file: str) -> list[tuple[str, _Node]]:
    """The entries of a merged mapping; its own merges apply, its places are not kept."""
    return _mapping_entries(node, ("<merge>",), SourceMap(file))
