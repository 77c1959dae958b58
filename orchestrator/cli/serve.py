"""`rangectl serve`: the live scoreboard page for instructors, on 127.0.0.1, and
the trainees' browser terminals (orchestrator/access/terminal.py).

On any other address the scoreboard requires a token printed at start
(scoring/live.py checks it, and every request's Host header); a terminal
always requires its team's token, which `rangectl access TEAM` prints."""

from __future__ import annotations

import ipaddress
import secrets
import threading

import click

from orchestrator.access.terminal import PREFIX, SERVE_PORT, Terminals
from orchestrator.cli.common import EXERCISE_OPTION, check_bind
from orchestrator.cli.errors import stderr
from orchestrator.cli.output import line
from orchestrator.errors import InvalidInputError
from orchestrator.exercise.scored import live_report, open_scored
from scoring.live import LiveServer


@click.command("serve")
@EXERCISE_OPTION
@click.option("--port", type=click.IntRange(0, 65535), default=SERVE_PORT, show_default=True,
              help="TCP port (0: any free port).")
@click.option("--bind", "bind_address", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback is shown to the network.")
def serve_command(exercise: str | None, port: int, bind_address: str) -> None:
    """Serve a live scoreboard page that updates itself as the exercise runs, and
    each team's browser terminal (its URL: `rangectl access TEAM`).

    On an address other than loopback the page needs a token, made anew at each
    start and printed in the URL: whoever can reach the address but was not
    given the URL reads nothing.
    """
    check_bind(bind_address, "the scoreboard will be served on {address}: anyone given "
               "the URL below (it holds an access token) can read the scores.")
    token = None if ipaddress.IPv4Address(bind_address).is_loopback \
        else secrets.token_urlsafe(24)
    live = live_report(open_scored(exercise))
    terminals = Terminals(live.exercise.state)
    try:
        server = LiveServer(live.snapshot, bind=bind_address, port=port, token=token,
                            mounts=[(PREFIX, terminals)]).start()
    except OSError as exc:
        raise InvalidInputError(f"cannot listen on {bind_address}:{port}: {exc.strerror}",
                                "choose another --port (0 picks a free one)") from None
    try:  # from the first line printed on, Ctrl-C is the way to stop: a clean exit
        stderr.print(line(f"live scoreboard of exercise {live.exercise.name}; "
                          "Ctrl-C to stop"))
        click.echo(server.url, nl=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        terminals.close()
