"""Helpers shared by the commands: loading scenarios, printing JSON."""

from __future__ import annotations

import functools
import ipaddress
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from orchestrator.bundle import IMAGES, ROLES, bundle_of
from orchestrator.cli.errors import stderr
from orchestrator.cli.output import line
from orchestrator.errors import InvalidInputError
from orchestrator.images.catalog import image_catalog
from orchestrator.roles.catalog import scenario_roles
from orchestrator.scenario.loader import LoadedScenario, load_scenario
from orchestrator.scenario.references import ReferenceContext
from orchestrator.state import check_exercise_id

OUTPUT_CHOICE = click.Choice(["table", "json"])
Decorated = TypeVar("Decorated", bound=Callable[..., Any])


def _exercise_id(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    return None if value is None else check_exercise_id(value)


def exercise_option(
    help_text: str = "Exercise id (default: the only one).",
) -> Callable[[Decorated], Decorated]:
    """`--exercise ID`, checked as it is parsed: an id names a folder of the state
    directory, so `..`, `/etc` or an empty id stop here, before any command acts."""
    return click.option("--exercise", callback=_exercise_id, help=help_text)


EXERCISE_OPTION = exercise_option()


def load(path: Path) -> LoadedScenario:
    """Load a scenario with its bundle (orchestrator/bundle.py), checking image names
    against the bundle's and rangectl's image folders, and roles, vulnerabilities and
    their vars against the roles' metadata, the bundle's first."""
    bundle = bundle_of(path)
    # Names are all validation asks of the images: the tag the bundle's images get
    # (under the scenario's name) is settled when they are built.
    context = ReferenceContext(images=image_catalog(bundle.part(IMAGES), "validate"),
                               roles=scenario_roles(bundle.part(ROLES)), bundle=bundle.root)
    return load_scenario(path, context, bundle)


def print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, sort_keys=False))


def split_teams(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


def check_bind(address: str, warning: str) -> None:
    """Refuse what is not an IPv4 address; warn loudly about anything but loopback."""
    try:
        parsed = ipaddress.IPv4Address(address)
    except ValueError:
        raise InvalidInputError(f"--bind {address} is not an IPv4 address",
                                "use 127.0.0.1 (default) or an address of this machine") from None
    if not parsed.is_loopback:
        stderr.print(line(("WARNING:", "bold red"), " ", warning.format(address=address)))


def deprecated(old: str, new: str) -> None:
    """Say once, on stderr, that a spelling still works but will not for long.

    `-o` named a file in three commands and a format in seven; it now always
    names the format and `--out` the file. Scripts written before keep working
    through one release, told what to write instead.
    """
    stderr.print(line(("note:", "yellow"), f" {old} is deprecated; write {new} "
                      "(-o/--output names the output format in every command, "
                      "--out the file)"))


def out_option(help_text: str, *, legacy_short: bool = False,
               path_type: Any = None) -> Callable[[Decorated], Decorated]:
    """`--out PATH`: where a command writes its file or folder.

    With `legacy_short`, the command also accepts the old `-o PATH` (hidden),
    with a deprecation note, for commands where `-o` has always named a file.
    """
    kind = path_type if path_type is not None else click.Path(path_type=Path)

    def decorate(command: Decorated) -> Decorated:
        @functools.wraps(command)
        def merged(*args: Any, legacy_out: Any = None, **kwargs: Any) -> Any:
            if legacy_out is not None:
                if kwargs.get("out") is not None:
                    raise click.UsageError("give the file once, with --out")
                deprecated("-o PATH", "--out PATH")
                kwargs["out"] = legacy_out
            return command(*args, **kwargs)

        wrapped: Any = click.option("--out", "out", type=kind, help=help_text)(merged)
        if legacy_short:
            wrapped = click.option("-o", "legacy_out", type=kind, hidden=True)(wrapped)
        return wrapped  # type: ignore[no-any-return]

    return decorate
