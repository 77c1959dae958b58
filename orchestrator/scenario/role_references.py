"""A host's roles and vulnerabilities: each exists, is of its kind, and gets the vars it reads.

With a role catalog (orchestrator/roles/catalog.py), a name is checked against
what the searched folders hold and each variable against the role's metadata:
an unknown variable, a missing required one, a value of the wrong type. A
variable of type `secret` (and, for a role without metadata, one named `secret`
or `*_secret`) must name a secret the scenario declares; otherwise `validate`
passes and `up` fails minutes later inside Ansible.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from orchestrator.errors import Problem
from orchestrator.scenario.hints import secret_hint, suggest
from orchestrator.scenario.model import Host
from orchestrator.scenario.yaml_source import PathKey, SourceMap

if TYPE_CHECKING:
    from orchestrator.roles.catalog import RoleCatalog
    from orchestrator.roles.metadata import RoleKind, RoleVariable

_PLURAL = {"role": "roles", "vulnerability": "vulnerabilities"}
SECTIONS: tuple[tuple[str, RoleKind], ...] = (("roles", "role"),
                                              ("vulnerabilities", "vulnerability"))


def role_problems(host: Host, base: PathKey, catalog: RoleCatalog | None, secrets: set[str],
                  sm: SourceMap) -> Iterator[Problem]:
    for section, kind in SECTIONS:
        for index, ref in enumerate(getattr(host, section)):
            path: PathKey = (*base, section, index)
            entry = catalog.entries.get(ref.name) if catalog is not None else None
            if catalog is not None and (entry is None or entry.kind != kind):
                yield _unknown(host, section, kind, ref.name, path, catalog, sm)
                continue
            declared = entry.metadata.vars if entry is not None and entry.metadata else None
            where = f"host '{host.name}', {ref.name}"
            if declared is None:
                yield from _secret_vars(where, ref.vars, path, secrets, sm)
                continue
            for key, value in ref.vars.items():
                if key not in declared:
                    yield sm.problem((*path, "vars", key),
                                     f"{where}: no variable '{key}'",
                                     suggest(key, declared) + f" ({kind} '{ref.name}' reads "
                                     "only those: rangectl roles lists them)")
                else:
                    yield from _value_problems(where, key, value, declared[key], secrets,
                                               (*path, "vars", key), sm)
            for key, variable in declared.items():
                if variable.required and key not in ref.vars:
                    yield sm.problem(path, f"{where}: variable '{key}' is required "
                                           f"({variable.description})",
                                     f"add it: vars: {{{key}: ...}}")


def _unknown(host: Host, section: str, kind: RoleKind, name: str, path: PathKey,
             catalog: RoleCatalog, sm: SourceMap) -> Problem:
    other = catalog.entries.get(name)
    if other is not None and other.kind in ("role", "vulnerability"):
        section_of_other = "vulnerabilities" if section == "roles" else "roles"
        return sm.problem(path, f"host '{host.name}': '{name}' is a {other.kind}, not a {kind}",
                          f"list it under '{section_of_other}:'")
    return sm.problem(path, f"host '{host.name}': unknown {kind} '{name}'",
                      suggest(name, catalog.of_kind(kind))
                      + f" ({_PLURAL[kind]} are found in {catalog.where()})")


def _value_problems(where: str, key: str, value: Any, variable: RoleVariable, secrets: set[str],
                    path: PathKey, sm: SourceMap) -> Iterator[Problem]:
    expected = {"string": str, "integer": int, "port": int, "boolean": bool, "list": list,
                "secret": str}[variable.type]
    wrong_type = not isinstance(value, expected) or (
        expected is int and isinstance(value, bool))
    if wrong_type:
        article = "an" if variable.type == "integer" else "a"
        yield sm.problem(path, f"{where}: '{key}' is {article} {variable.type}, not "
                               f"{_describe(value)}", f"write {_example(variable.type)}")
    elif variable.type == "port" and not 1 <= value <= 65535:
        yield sm.problem(path, f"{where}: '{key}' is a port, 1 to 65535, not {value}",
                         "write a port number like 8080")
    elif variable.type == "list" and not all(isinstance(item, str | int) and
                                             not isinstance(item, bool) for item in value):
        yield sm.problem(path, f"{where}: '{key}' is a list of names or numbers",
                         "write a list like [buoy-7, buoy-9]")
    elif variable.type == "secret" and value not in secrets:
        yield _unknown_secret(where, value, path, secrets, sm)


def _secret_vars(where: str, variables: dict[str, Any], path: PathKey, secrets: set[str],
                 sm: SourceMap) -> Iterator[Problem]:
    for key, value in variables.items():
        if not (key == "secret" or key.endswith("_secret")):
            continue
        if not isinstance(value, str):
            yield sm.problem((*path, "vars", key), f"{where}: '{key}' names a secret, "
                             f"not a {type(value).__name__}", "write a secret's name")
        elif value not in secrets:
            yield _unknown_secret(where, value, (*path, "vars", key), secrets, sm)


def _unknown_secret(where: str, value: str, path: PathKey, secrets: set[str],
                    sm: SourceMap) -> Problem:
    return sm.problem(path, f"{where}: unknown secret '{value}'", secret_hint(value, secrets))


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    return {str: "a string", int: "a number", float: "a number", list: "a list",
            dict: "a mapping"}.get(type(value), type(value).__name__)


def _example(kind: str) -> str:
    return {"string": "text, quoted if it looks like a number", "integer": "a whole number",
            "port": "a port number like 8080", "boolean": "true or false",
            "list": "a list like [a, b]", "secret": "the name of a declared secret"}[kind]
