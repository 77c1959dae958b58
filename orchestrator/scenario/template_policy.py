"""What a scenario's Jinja2 template may contain: substitution, not computation.

Scenario files travel between nations and are rendered on the controller for
every team, so a template must not be able to stall or exhaust the controller:
`{{ 10**10**10 }}`, `{{ 'x' | center(10**9) }}`, `{{ '%0999999999d' % 1 }}`,
nested loops over `range()`, or a `{% set %}` that doubles a string thirty
times are each one line. Jinja2's sandbox stops attribute tricks, not cost.

Templates exist to fill in names, addresses and secrets per team, so the rule
is a whitelist of syntax whose cost is linear in the template and the plan:
names, attributes and items, constants, list and tuple literals, `~`, `+` and
`-`, comparisons, `and`/`or`/`not`, inline `if`, `{% if %}`, one level of
`{% for %}` over plan data, and a few filters and tests that are linear in
their input. Anything else is a located `validate` error naming the construct.
"""

from __future__ import annotations

from collections.abc import Iterator

from jinja2 import nodes

SAFE_FILTERS = frozenset({
    "default", "d", "lower", "upper", "trim", "first", "last", "length", "count", "join",
    "string", "sort", "unique", "list", "e", "escape", "urlencode", "capitalize", "title",
})
SAFE_TESTS = frozenset({
    "defined", "undefined", "none", "string", "number", "sequence", "mapping", "in",
    "eq", "ne", "equalto", "true", "false",
})

# Node types whose cost is linear in the template's own size.
_ALLOWED: tuple[type[nodes.Node], ...] = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Const,
    nodes.Getattr, nodes.Getitem, nodes.Slice, nodes.List, nodes.Tuple, nodes.Dict,
    nodes.Pair, nodes.Keyword, nodes.Concat, nodes.Add, nodes.Sub, nodes.Neg, nodes.Pos,
    nodes.Compare, nodes.Operand, nodes.And, nodes.Or, nodes.Not, nodes.CondExpr, nodes.If,
    nodes.For, nodes.Filter, nodes.Test,
)
_DESCRIBED: dict[type[nodes.Node], str] = {
    nodes.Call: "a function or method call",
    nodes.Mul: "'*'", nodes.Pow: "'**'", nodes.Div: "'/'", nodes.FloorDiv: "'//'",
    nodes.Mod: "'%'", nodes.Assign: "'{% set %}'", nodes.AssignBlock: "'{% set %}'",
    nodes.Macro: "'{% macro %}'", nodes.CallBlock: "'{% call %}'",
    nodes.FilterBlock: "'{% filter %}'", nodes.With: "'{% with %}'",
    nodes.Include: "'{% include %}'", nodes.Import: "'{% import %}'",
    nodes.FromImport: "'{% from %}'", nodes.Extends: "'{% extends %}'",
    nodes.Block: "'{% block %}'",
}
# How deep a template's syntax tree may nest, and how many filters may be
# chained. Jinja2 compiles a template to Python, which refuses more than 100
# levels of indentation or 200 of parentheses: 100 nested `{% if %}` or 210
# chained filters were an internal error at `plan`.
MAX_DEPTH = 32
MAX_FILTERS = 16
HINT = ("templates only fill in names, addresses and secrets; compute inside the range "
        "(in a step's shell), not on the controller")


def template_violations(template: nodes.Template) -> Iterator[str]:
    """Every construct of `template` outside the whitelist, described for a person."""
    yield from _walk(template, loops=0, depth=0)


def _filter_chain(node: nodes.Filter) -> int:
    length = 0
    current: nodes.Node | None = node
    while isinstance(current, nodes.Filter):
        length += 1
        current = current.node
    return length


def _walk(node: nodes.Node, loops: int, depth: int) -> Iterator[str]:
    if not isinstance(node, _ALLOWED):
        yield _DESCRIBED.get(type(node), f"'{type(node).__name__}'") + " is not allowed"
        return
    if depth > MAX_DEPTH:
        yield f"nesting more than {MAX_DEPTH} levels deep is not allowed"
        return
    if isinstance(node, nodes.Filter) and _filter_chain(node) > MAX_FILTERS:
        yield f"a chain of more than {MAX_FILTERS} filters is not allowed"
        return
    if isinstance(node, nodes.Filter) and node.name not in SAFE_FILTERS:
        yield f"the filter '{node.name}' is not allowed (allowed: {_listed(SAFE_FILTERS)})"
    if isinstance(node, nodes.Test) and node.name not in SAFE_TESTS:
        yield f"the test '{node.name}' is not allowed (allowed: {_listed(SAFE_TESTS)})"
    if isinstance(node, nodes.For):
        if loops:
            yield "a '{% for %}' inside another is not allowed"
            return
        if node.recursive:
            yield "a recursive '{% for %}' is not allowed"
        loops += 1
    for child in node.iter_child_nodes():
        yield from _walk(child, loops, depth + 1)


def _listed(names: frozenset[str]) -> str:
    return ", ".join(sorted(names))
