"""`rangectl images`: build and list the range's container images."""

from __future__ import annotations

import click
from rich.table import Table

from orchestrator.cli.common import OUTPUT_CHOICE, print_json
from orchestrator.cli.errors import stderr
from orchestrator.cli.output import cells, console, line
from orchestrator.cli.progress import print_image_progress
from orchestrator.images.catalog import recipes
from orchestrator.runtime.open import open_backend


@click.group("images")
def images_group() -> None:
    """Build and list container images (the base from Debian, the rest FROM it)."""


@images_group.command("build")
@click.argument("names", nargs=-1)
@click.option("--force", is_flag=True, help="Rebuild even when up to date.")
def build_command(names: tuple[str, ...], force: bool) -> None:
    """Build NAMES (default: all) and their parents, when missing or changed."""
    builder = open_backend().image_builder(print_image_progress(stderr))
    built = builder.ensure(names or sorted(recipes()), force=force)
    stderr.print(line(("images ready", "green"), f": built {len(built)}"
                      + (f" ({', '.join(built)})" if built else "")))


@images_group.command("list")
@click.option("--output", "-o", "output", type=OUTPUT_CHOICE, default="table")
def list_command(output: str) -> None:
    """Each image, its content tag, and whether it is up to date."""
    rows = open_backend().image_builder(print_image_progress(stderr)).status()
    if output == "json":
        print_json(rows)
        return
    table = Table("image", "tag", "state")
    for row in rows:
        table.add_row(*cells(row["image"], row["tag"], row["state"]))
    console().print(table)
