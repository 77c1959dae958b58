"""`rangectl serve`: the live scoreboard page for instructors, on 127.0.0.1."""

from __future__ import annotations

import threading
from typing import Any

import click

from orchestrator.cli.common import check_bind
from orchestrator.cli.errors import stderr
from orchestrator.cli.scored import scored_exercise
from orchestrator.errors import InvalidInputError
from orchestrator.events.store import Event, EventStore
from scoring.live import LiveServer
from scoring.report.document import build_report


class EventFollower:
    """Reads only the events appended since the last look, then scores them all."""

    def __init__(self, exercise: str | None) -> None:
        self.state, self.plan = scored_exercise(exercise)
        self.events: list[Event] = []
        self.report: tuple[int, dict[str, Any]] | None = None

    def snapshot(self) -> tuple[int, dict[str, Any]]:
        """The report as of the latest event; recomputed only when there are new ones."""
        last = self.events[-1].seq if self.events else 0
        if self.state.events_path.exists():
            store = EventStore(self.state.events_path)
            try:
                self.events.extend(store.read(since=last))
            finally:
                store.close()
        seq = self.events[-1].seq if self.events else 0
        if self.report is None or self.report[0] != seq:
            self.report = (seq, build_report(self.plan, self.events))
        return self.report


@click.command("serve")
@click.option("--exercise", help="Exercise id (default: the only one).")
@click.option("--port", type=click.IntRange(0, 65535), default=8800, show_default=True,
              help="TCP port (0: any free port).")
@click.option("--bind", "bind_address", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback is shown to the network.")
def serve_command(exercise: str | None, port: int, bind_address: str) -> None:
    """Serve a live scoreboard page that updates itself as the exercise runs."""
    check_bind(bind_address, "the scoreboard will be served on {address}: anyone who can "
               "reach this machine there can read the scores.")
    follower = EventFollower(exercise)
    try:
        server = LiveServer(follower.snapshot, bind=bind_address, port=port).start()
    except OSError as exc:
        raise InvalidInputError(f"cannot listen on {bind_address}:{port}: {exc.strerror}",
                                "choose another --port (0 picks a free one)") from None
    stderr.print(f"live scoreboard of exercise {follower.state.exercise}; Ctrl-C to stop")
    click.echo(server.url, nl=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
