"""`rangectl serve`: the live scoreboard page for instructors, on 127.0.0.1."""

from __future__ import annotations

import threading
from typing import Any

import click

from orchestrator.cli.common import EXERCISE_OPTION, check_bind
from orchestrator.cli.errors import stderr
from orchestrator.cli.scored import EventFollower
from orchestrator.errors import InvalidInputError
from scoring.live import LiveServer
from scoring.report.document import build_report


class LiveReport:
    """The report as of the latest event, recomputed only when events were appended."""

    def __init__(self, exercise: str | None) -> None:
        self.follower = EventFollower(exercise)
        self.report: tuple[int, dict[str, Any]] | None = None

    def snapshot(self) -> tuple[int, dict[str, Any]]:
        self.follower.refresh()
        seq = self.follower.seq
        if self.report is None or self.report[0] != seq:
            self.report = (seq, build_report(self.follower.plan, self.follower.events,
                                                full=False))
        return self.report


@click.command("serve")
@EXERCISE_OPTION
@click.option("--port", type=click.IntRange(0, 65535), default=8800, show_default=True,
              help="TCP port (0: any free port).")
@click.option("--bind", "bind_address", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback is shown to the network.")
def serve_command(exercise: str | None, port: int, bind_address: str) -> None:
    """Serve a live scoreboard page that updates itself as the exercise runs."""
    check_bind(bind_address, "the scoreboard will be served on {address}: anyone who can "
               "reach this machine there can read the scores.")
    live = LiveReport(exercise)
    try:
        server = LiveServer(live.snapshot, bind=bind_address, port=port).start()
    except OSError as exc:
        raise InvalidInputError(f"cannot listen on {bind_address}:{port}: {exc.strerror}",
                                "choose another --port (0 picks a free one)") from None
    stderr.print(f"live scoreboard of exercise {live.follower.state.exercise}; Ctrl-C to stop")
    click.echo(server.url, nl=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
