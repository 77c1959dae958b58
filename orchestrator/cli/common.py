"""Helpers shared by the commands: loading scenarios, printing JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from orchestrator.images.catalog import known_images, known_roles
from orchestrator.scenario.loader import LoadedScenario, load_scenario
from orchestrator.scenario.references import ReferenceContext

OUTPUT_CHOICE = click.Choice(["table", "json"])


def load(path: Path) -> LoadedScenario:
    """Load a scenario, checking image names against the images/ folder."""
    return load_scenario(path, ReferenceContext(images=known_images(), roles=known_roles()))


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, sort_keys=False))


def split_teams(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]
