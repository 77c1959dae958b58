"""`rangectl validate FILE...`: every problem of every file, at once."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from orchestrator.cli.common import OUTPUT_CHOICE, load, print_json
from orchestrator.cli.errors import report_error, stderr
from orchestrator.cli.output import line
from orchestrator.errors import EXIT_INVALID, ScenarioError
from orchestrator.plan import plan_loaded


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--output", "-o", "output", type=OUTPUT_CHOICE, default="table",
              help="table (default) or json.")
def validate_command(files: tuple[Path, ...], output: str) -> None:
    """Check scenario files; print every problem as FILE:LINE:COL: message.

    Besides the format, this renders every template for every team, so a name
    that does not exist is caught here rather than during the exercise.
    """
    results: list[dict[str, Any]] = []
    for path in files:
        try:
            loaded = load(path)
            plan_loaded(loaded)
        except ScenarioError as error:
            results.append({"file": str(path), "valid": False,
                            "problems": error.rendered()})
            if output == "table":
                report_error(error)
            continue
        scenario = loaded.scenario
        results.append({"file": str(path), "valid": True, "problems": []})
        if output == "table":
            stderr.print(line(("ok", "green"), f" {path}: scenario '{scenario.name}', "
                              f"{len(scenario.teams)} teams, {len(scenario.hosts)} hosts, "
                              f"{len(scenario.networks)} networks, "
                              f"{len(scenario.injects)} injects"))
    if output == "json":
        print_json(results)
    if not all(result["valid"] for result in results):
        sys.exit(EXIT_INVALID)
