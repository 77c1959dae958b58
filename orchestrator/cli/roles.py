"""`rangectl roles`: every role and vulnerability a scenario may name, with what each reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from orchestrator.bundle import ROLES, bundle_of
from orchestrator.cli.common import OUTPUT_CHOICE, print_json
from orchestrator.cli.output import console, line
from orchestrator.roles.catalog import RoleEntry, scenario_roles


@click.command("roles")
@click.argument("file", type=click.Path(), required=False)
@click.option("--output", "-o", "output", type=OUTPUT_CHOICE, default="table")
def roles_command(file: str | None, output: str) -> None:
    """List the roles (`roles:`) and vulnerabilities (`vulnerabilities:`) a scenario's
    hosts may name: what each does, its ATT&CK techniques, and the vars it reads.

    With a scenario FILE, its bundle's roles are listed too (and win over rangectl's
    of the same name)."""
    catalog = scenario_roles(bundle_of(Path(file)).part(ROLES) if file else None)
    entries = [entry for entry in catalog.entries.values() if entry.kind != "internal"]
    rows = [_row(entry) for entry in sorted(entries, key=lambda e: (e.kind, e.name))]
    if output == "json":
        print_json({"searched": [str(path) for path in catalog.searched], "roles": rows})
        return
    shown = console()
    for row in rows:
        kind = row["kind"] + (f": {', '.join(row['techniques'])}" if row["techniques"] else "")
        kind += ", from the bundle" if row["bundled"] else ""
        image = f", image {row['image']}" if row["image"] else ""
        shown.print(line(f"{row['name']} ({kind}{image})"))
        shown.print(line(f"    {row['description']}"))
        for name, variable in row["vars"].items():
            shown.print(line(f"    {_variable(name, variable)}: {variable['description']}"))
    shown.print(line(f"found in {catalog.where()}"))


def _row(entry: RoleEntry) -> dict[str, Any]:
    metadata = entry.metadata
    return {
        "name": entry.name, "kind": entry.kind, "path": str(entry.path),
        "bundled": entry.bundled,
        "description": metadata.description if metadata else "(no meta/rangectl.yml)",
        "techniques": list(metadata.techniques) if metadata else [],
        "image": metadata.image if metadata else None,
        "vars": {name: variable.model_dump() for name, variable in metadata.vars.items()}
        if metadata else {},
    }


def _variable(name: str, variable: dict[str, Any]) -> str:
    if variable["required"]:
        return f"{name} ({variable['type']}, required)"
    if variable["default"] is not None:
        return f"{name} ({variable['type']}, default {variable['default']})"
    return f"{name} ({variable['type']})"
