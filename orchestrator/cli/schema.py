"""`rangectl schema`: the scenario format's JSON schema, for editors."""

from __future__ import annotations

import json
from pathlib import Path

import click

from orchestrator.cli.common import out_option
from orchestrator.scenario.schema import scenario_schema


@click.command("schema")
@out_option("Write to this file instead of standard output.", legacy_short=True)
def schema_command(out: Path | None) -> None:
    """Print the JSON schema of scenario files (editors validate and complete with it)."""
    text = json.dumps(scenario_schema(), indent=2) + "\n"
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)
