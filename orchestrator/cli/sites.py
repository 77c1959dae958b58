"""`rangectl sites`: the swarm's nodes, the sites they serve, and the teams they hold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table

from orchestrator.cli.common import OUTPUT_CHOICE, load, print_json
from orchestrator.cli.output import cell, cells, console, line
from orchestrator.plan import plan_loaded
from orchestrator.runtime.open import open_swarm

GIB = 1 << 30


@click.command("sites")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--output", "-o", "output", type=OUTPUT_CHOICE, default="table")
def sites_command(file: str | None, output: str) -> None:
    """List the swarm's nodes: sites, capacity, and which exercise's teams each holds.

    With a scenario FILE, also where `up` would place each of its teams (or which
    site has no node, and how to label one)."""
    swarm = open_swarm()
    nodes = swarm.nodes()
    held = swarm.teams_per_node()
    rows: list[dict[str, Any]] = [{
        "node": node.hostname, "id": node.id, "role": node.role, "state": node.state,
        "availability": node.availability, "sites": list(node.sites),
        "engine": "this controller's" if node.local else node.engine_url,
        "cpus": node.cpus, "memory_gib": round(node.memory_bytes / GIB, 1),
        "teams": None if held.get(node.id) is None else {
            exercise: sorted(teams) for exercise, teams in sorted((held[node.id] or {}).items())},
    } for node in nodes]
    placement = None
    if file is not None:
        plan = plan_loaded(load(Path(file)))
        placement = {team: node.hostname for team, node in swarm.placement(plan).items()}
    if output == "json":
        print_json({"nodes": rows, "placement": placement})
        return
    table = Table("node", "role", "state", "sites", "engine", "cpus", "memory", "teams")
    for row in rows:
        teams = "unreachable" if row["teams"] is None else "; ".join(
            f"{exercise}: {', '.join(names)}" for exercise, names in row["teams"].items())
        state = row["state"] if row["availability"] == "active" else \
            f"{row['state']}, {row['availability']}"
        table.add_row(cell(row["node"]), cell(row["role"]),
                      cell(state, "green" if state == "ready" else "red"),
                      *cells(", ".join(row["sites"]) or "(none)", row["engine"] or "(no label)",
                             f"{row['cpus']:g}", f"{row['memory_gib']:g} GiB", teams))
    shown = console()
    shown.print(table)
    for team, node in (placement or {}).items():
        shown.print(line(f"team {team} -> node {node}"))
