"""A YAML document's node tree, built from the parser's events by hand.

PyYAML's composer recurses (deep nesting crashes it) and expands aliases
eagerly (an alias bomb eats memory); this builder is iterative and bounded in
depth, size and alias expansion, and accepts only plain-data tags.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from orchestrator.errors import Problem
from orchestrator.scenario.source_map import Position, YamlSourceError

MAX_DEPTH = 64
MAX_NODES = 200_000

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

LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Node:
    """One YAML node before conversion; aliases share the same object."""

    kind: str  # "scalar" | "map" | "seq"
    position: Position
    value: Any = None
    items: list[Any] = field(default_factory=list)
    weight: int = 1  # nodes this one expands to, aliases counted in full


class MergeKey:
    """Marks a YAML merge key (`<<`) until its mapping is converted."""


def _shown(value: str, limit: int = 40) -> str:
    """`value`, cut to `limit` characters for a message."""
    return value if len(value) <= limit else value[:limit] + "..."


def _position(mark: Any) -> Position:
    return Position(mark.line + 1, mark.column + 1)


class TreeBuilder:
    """Turn parser events into a `Node` tree without recursion."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text
        self.anchors: dict[str, Node] = {}
        self.resolver = yaml.resolver.Resolver()

    def fail(self, position: Position | None, message: str, hint: str | None = None) -> None:
        raise YamlSourceError(
            Problem(self.name, position.line if position else None,
                    position.column if position else None, message, hint)
        )

    def build(self, events: Iterator[Any]) -> Node:
        try:
            return self._build(events)
        except yaml.MarkedYAMLError as exc:
            raise YamlSourceError(self._syntax_problem(exc)) from None
        except yaml.YAMLError as exc:
            raise YamlSourceError(self._reader_problem(exc)) from None

    def _build(self, events: Iterator[Any]) -> Node:
        stack: list[Node] = []
        root: Node | None = None
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

    def _node_for(self, event: Any, depth: int) -> Node | None:
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
            node = Node("scalar", _position(event.start_mark), value=self._scalar(event))
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            is_map = isinstance(event, yaml.MappingStartEvent)
            position = _position(event.start_mark)
            if depth >= MAX_DEPTH:
                self.fail(position, f"nesting deeper than {MAX_DEPTH} levels",
                          "a scenario never nests this deep; is the file generated?")
            allowed = _MAP_TAG if is_map else _SEQ_TAG
            if event.tag not in (None, "!", allowed):
                self._refuse_tag(event.tag, position)
            node = Node("map" if is_map else "seq", position, weight=0)
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
            return MergeKey()
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

    def _count(self, node: Node) -> None:
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
