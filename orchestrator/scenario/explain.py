"""Turn pydantic's validation errors into problems a controller can act on.

Pydantic says `hosts.2.networks.0.name: Field required`; a controller wants
`arctic.yml:41:9: host 'portal': network 'dmz': missing field 'name'` and, for a
typo, `did you mean 'networks'?`. This module knows the model's shape to find
the fields that were expected at a place, and the source map to find the place.
"""

from __future__ import annotations

import difflib
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from orchestrator.errors import Problem
from orchestrator.scenario.yaml_source import PathKey, SourceMap

_NAME_PATTERN_HELP = "use lower-case letters, digits and '-', starting with a letter (max 32)"


def explain(
    error: ValidationError, data: Any, source_map: SourceMap, root: type[BaseModel]
) -> list[Problem]:
    """Every problem of `error`, each placed in the file and worded for a person."""
    details = error.errors()
    locs = [tuple(detail["loc"]) for detail in details]
    problems = [
        _explain_one(detail, data, source_map, root)
        for detail, loc in zip(details, locs, strict=True)
        # "too short after validation" only echoes a failed item inside it.
        if not (detail["type"] == "too_short"
                and any(other[: len(loc)] == loc and other != loc for other in locs))
    ]
    return sorted(set(problems))


def _explain_one(
    detail: ErrorDetails, data: Any, source_map: SourceMap, root: type[BaseModel]
) -> Problem:
    loc = tuple(detail["loc"])
    path = _data_path(loc, data)
    if detail["type"] in ("extra_forbidden", "missing"):
        return _field_problem(detail["type"], loc, path, data, source_map, root)
    where = describe(path, data)
    prefix = f"{where}: " if where else ""
    explained = _value_problem(detail, path, prefix, source_map)
    if explained is not None:
        return explained
    message = detail["msg"].removeprefix("Value error, ")
    return source_map.problem(path, f"{prefix}{message[0].lower()}{message[1:]}")


def _field_problem(
    kind: str, loc: tuple[int | str, ...], path: PathKey, data: Any, source_map: SourceMap,
    root: type[BaseModel],
) -> Problem:
    """A field that is not allowed where it stands, or one that is missing."""
    owner = describe(path[:-1], data)
    owned = f"{owner}: " if owner else ""
    if kind == "extra_forbidden":
        field = str(path[-1])
        allowed = sorted(_fields_at(loc[:-1], root))
        return source_map.problem(
            path, f"{owned}unknown field '{field}'",
            _did_you_mean(field, allowed, "fields here: " + ", ".join(allowed)), at_key=True)
    field = str(loc[-1])
    return source_map.problem(path[:-1], f"{owned}missing required field '{field}'",
                              f"add '{field}:'")


def _value_problem(
    detail: ErrorDetails, path: PathKey, prefix: str, source_map: SourceMap
) -> Problem | None:
    """A value outside its choices, with the choices or the closest one; None
    when pydantic's own message says it best."""
    kind = detail["type"]
    ctx = detail.get("ctx") or {}
    pattern = str(ctx.get("pattern", ""))
    if kind == "union_tag_invalid":
        tags = [tag.strip(" '") for tag in str(ctx.get("expected_tags", "")).split(",")]
        found = str(ctx.get("tag", ""))
        return source_map.problem(
            (*path, "type"), f"{prefix}unknown type '{found}'",
            _did_you_mean(found, tags, "one of: " + ", ".join(tags)))
    if kind == "union_tag_not_found":
        return source_map.problem(path, f"{prefix}missing field 'type'",
                                  "add 'type:' (tcp, http, ssh, dns or command)")
    if kind == "literal_error":
        expected = _literal_options(str(ctx.get("expected", "")))
        found = str(detail.get("input"))
        return source_map.problem(
            path, f"{prefix}'{found}' is not allowed",
            _did_you_mean(found, expected, "one of: " + ", ".join(expected)))
    if kind == "string_pattern_mismatch" and pattern.startswith("^T"):
        return source_map.problem(
            path, f"{prefix}'{detail.get('input')}' is not an ATT&CK technique id",
            "write it like T1110 or T1110.001")
    if kind == "string_pattern_mismatch" and "a-z0-9-" in pattern:
        return source_map.problem(
            path, f"{prefix}'{detail.get('input')}' is not a valid name", _NAME_PATTERN_HELP)
    return None


def _data_path(loc: tuple[int | str, ...], data: Any) -> PathKey:
    """The part of pydantic's location that exists in the data (union tags dropped)."""
    path: list[str | int] = []
    cursor = data
    for element in loc:
        if _has(cursor, element):
            cursor = _child(cursor, element)
            path.append(element)
        elif isinstance(cursor, dict) and isinstance(element, str) and element == loc[-1]:
            path.append(element)  # a missing key: keep it for the message
        elif not isinstance(cursor, dict | list):
            break
        # else: a union member's name, which the data does not spell
    return tuple(path)


def _has(cursor: Any, element: str | int) -> bool:
    if isinstance(cursor, dict):
        return element in cursor
    return isinstance(cursor, list) and isinstance(element, int) and element < len(cursor)


def describe(path: PathKey, data: Any) -> str:
    """A readable name for a place: `host 'portal' > service 'http' > port`."""
    parts: list[str] = []
    cursor = data
    for index, element in enumerate(path):
        child = _child(cursor, element)
        if isinstance(element, int):
            label = _item_label(child)
            owner = str(path[index - 1]) if index else "item"
            singular = owner[:-1] if owner.endswith("s") else owner
            if parts and parts[-1] == owner:
                parts.pop()
            parts.append(f"{singular} '{label}'" if label else f"{owner}[{element}]")
        else:
            parts.append(str(element))
        cursor = child
    return " > ".join(parts)


def _child(cursor: Any, element: str | int) -> Any:
    if isinstance(cursor, dict):
        return cursor.get(element)
    if isinstance(cursor, list) and isinstance(element, int) and element < len(cursor):
        return cursor[element]
    return None


def _item_label(item: Any) -> str | None:
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        for key in ("name", "id", "rule"):
            if isinstance(item.get(key), str):
                return str(item[key])
    return None


def _did_you_mean(found: str, options: list[str], fallback: str) -> str:
    close = difflib.get_close_matches(found, options, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else fallback


def _literal_options(expected: str) -> list[str]:
    return [part.strip(" '") for part in expected.replace(" or ", ",").split(",") if part.strip()]


def _fields_at(loc: tuple[int | str, ...], root: type[BaseModel]) -> set[str]:
    """The field names (YAML spellings) of the model found at `loc`."""
    annotation: Any = root
    for element in loc:
        annotation = _step(annotation, element)
        if annotation is None:
            return set()
    model = _as_model(annotation, None)
    if model is None:
        return set()
    return {field.alias or name for name, field in model.model_fields.items()}


def _step(annotation: Any, element: int | str) -> Any:
    annotation = _unwrap(annotation)
    model = _as_model(annotation, element)
    if model is not None and isinstance(element, str):
        for name, field in model.model_fields.items():
            if element in (name, field.alias):
                return field.annotation
        return model if _union_member(annotation, element) else None
    origin = get_origin(annotation)
    if origin in (tuple, list) and isinstance(element, int):
        return get_args(annotation)[0]
    if origin is dict:
        return get_args(annotation)[1]
    return None


def _unwrap(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _members(annotation: Any) -> tuple[Any, ...]:
    """The alternatives of a (possibly nested, possibly annotated) union."""
    annotation = _unwrap(annotation)
    if get_origin(annotation) in (Union, types.UnionType):
        return tuple(m for member in get_args(annotation) for m in _members(member))
    return (annotation,)


def _union_member(annotation: Any, tag: int | str) -> Any:
    for member in _members(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel):
            field = member.model_fields.get("type")
            if field is not None and get_origin(field.annotation) is Literal \
                    and tag in get_args(field.annotation):
                return member
    return None


def _as_model(annotation: Any, tag: int | str | None) -> type[BaseModel] | None:
    models = [
        member for member in _members(annotation)
        if isinstance(member, type) and issubclass(member, BaseModel)
    ]
    if len(models) == 1:
        return models[0]
    if tag is not None:
        member = _union_member(annotation, tag)
        if member is not None:
            return member  # type: ignore[no-any-return]
    return None
