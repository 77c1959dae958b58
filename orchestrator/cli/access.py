"""`rangectl access TEAM` and `rangectl connect TEAM [HOST]`: trainees into their range."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import click

from orchestrator.access.service import login_hosts, make_kit, team_range
from orchestrator.access.terminal import terminal_url
from orchestrator.access.tokens import ensure_token
from orchestrator.cli.common import EXERCISE_OPTION, out_option
from orchestrator.cli.errors import stderr
from orchestrator.cli.output import line
from orchestrator.deploy import resolve_exercise
from orchestrator.errors import InvalidInputError, RuntimeFailureError
from orchestrator.runtime.open import open_backend
from orchestrator.state import ExerciseState


@click.command("access")
@click.argument("team")
@out_option("Folder for the kit (default: ./access-TEAM).", legacy_short=True)
@EXERCISE_OPTION
@click.option("--force", is_flag=True,
              help="Write into a folder that is not this team's kit, overwriting files "
                   "with the kit's names (ssh_config, id_ed25519...).")
def access_command(team: str, out: Path | None, exercise: str | None, force: bool) -> None:
    """Write TEAM's access kit: ssh_config (bastion as ProxyJump), key, host keys, README.

    Hand the folder to the team's trainees: `ssh -F DIR/ssh_config HOST`. The
    folder must be new, empty, or an earlier kit of the same team (refreshed).
    Also prints the team's browser terminal URL (it holds the team's token).
    """
    backend = open_backend()
    state = ExerciseState(resolve_exercise(backend, exercise))
    config = make_kit(backend, state, team, out or Path(f"access-{team}"), force)
    stderr.print(line((f"wrote the access kit of team {team}", "green"), f" to {config.parent}"))
    stderr.print(line(f"  connect with: ssh -F {config} HOST  (it holds the team's private key)"))
    url = terminal_url(team, ensure_token(state, team))
    stderr.print(line(f"  browser terminal: {url}"))
    stderr.print(line("    (while `rangectl serve` runs; started with --bind or --port, "
                      "use that address and port; the URL holds the team's token)"))


@click.command("connect")
@click.argument("team")
@click.argument("host", required=False, default="bastion")
@EXERCISE_OPTION
def connect_command(team: str, host: str, exercise: str | None) -> None:
    """Open a shell on HOST (default: the bastion) of TEAM's range, through its bastion."""
    ssh = shutil.which("ssh")
    if ssh is None:
        raise RuntimeFailureError("the OpenSSH client is missing",
                                  "install it: apt-get install openssh-client")
    backend = open_backend()
    state = ExerciseState(resolve_exercise(backend, exercise))
    planned = team_range(state, team)
    names = login_hosts(planned)
    if host not in names:
        raise InvalidInputError(f"team '{team}' has no host '{host}' to log into",
                                "hosts: " + ", ".join(sorted(names)))
    config = make_kit(backend, state, team, None)
    os.execv(ssh, [ssh, "-F", str(config), host])
