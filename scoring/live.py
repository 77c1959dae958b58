"""The live scoreboard: a small web server on 127.0.0.1 that pushes every change.

The page holds no scoring logic: the server recomputes the report document
whenever the exercise's events change and pushes a snapshot of it to every
open page as a server-sent event, so the live page, `rangectl score` and the
report always show the same figures.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from typing import Any

from scoring.report.charts import score_chart, team_colour

Snapshot = Callable[[], tuple[int, dict[str, Any]]]  # (last event seq, report document)


def live_view(report: dict[str, Any]) -> dict[str, Any]:
    """What the page shows, cut from the report document."""
    names = {team["team"]: team["name"] for team in report["teams"]}
    return {
        "exercise": report["exercise"], "scenario": report["scenario"],
        "status": report["status"], "duration": report["duration"],
        "categories": report["categories"], "standings": report["standings"],
        "colours": {team["team"]: team_colour(i) for i, team in enumerate(report["teams"])},
        "teams": report["teams"],
        "injects": [{"inject": row["inject"], "offset": row["offset"],
                     "teams": {team: cell["outcome"] for team, cell in row["teams"].items()}}
                    for row in report["injects"]],
        "chart": score_chart(report["score_over_time"], names),
    }


class LiveState:
    """The latest view, recomputed only when the event store has moved on."""

    def __init__(self, snapshot: Snapshot, poll: float = 1.0) -> None:
        self.snapshot = snapshot
        self.poll = poll
        self.version = -1
        self.view: dict[str, Any] = {}
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)

    def refresh(self) -> None:
        seq, report = self.snapshot()
        with self.lock:
            if seq == self.version:
                return
            self.view = live_view(report)
            self.version = seq
            self.changed.notify_all()

    def watch(self, stop: threading.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(Exception):  # a bad event: keep showing the last view
                self.refresh()
            stop.wait(self.poll)

    def wait_for_change(self, seen: int, timeout: float) -> tuple[int, dict[str, Any]]:
        with self.changed:
            self.changed.wait_for(lambda: self.version != seen, timeout=timeout)
            return self.version, self.view


def _handler(state: LiveState, stop: threading.Event) -> type[BaseHTTPRequestHandler]:
    page = files("scoring").joinpath("live.html").read_bytes()

    class Handler(BaseHTTPRequestHandler):
        server_version = "rangectl-live"

        def log_message(self, format: str, *args: Any) -> None:
            return  # the controller's terminal is for the exercise, not access logs

        def do_GET(self) -> None:  # the name http.server calls
            if self.path in ("/", "/index.html"):
                self._send(HTTPStatus.OK, "text/html; charset=utf-8", page)
            elif self.path == "/scoreboard.json":
                with state.lock:
                    body = json.dumps(state.view).encode()
                self._send(HTTPStatus.OK, "application/json", body)
            elif self.path == "/events":
                self._stream()
            else:
                self._send(HTTPStatus.NOT_FOUND, "text/plain", b"not found\n")

        def _send(self, status: HTTPStatus, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _stream(self) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            seen = -2
            try:
                while not stop.is_set():
                    version, view = state.wait_for_change(seen, timeout=15)
                    if version != seen:
                        self.wfile.write(f"data: {json.dumps(view)}\n\n".encode())
                        seen = version
                    else:
                        self.wfile.write(b": still here\n\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                return

    return Handler


class LiveServer:
    """Serves the live page on `bind`:`port` until `close()`."""

    def __init__(self, snapshot: Snapshot, bind: str = "127.0.0.1", port: int = 8800,
                 poll: float = 1.0) -> None:
        self.stop = threading.Event()
        self.state = LiveState(snapshot, poll)
        self.state.refresh()
        self.httpd = ThreadingHTTPServer((bind, port), _handler(self.state, self.stop))
        self.httpd.daemon_threads = True
        self.threads = [threading.Thread(target=self.state.watch, args=(self.stop,), daemon=True),
                        threading.Thread(target=self.httpd.serve_forever, daemon=True)]

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> LiveServer:
        for thread in self.threads:
            thread.start()
        return self

    def close(self) -> None:
        self.stop.set()
        with self.state.lock:
            self.state.changed.notify_all()
        self.httpd.shutdown()
        self.httpd.server_close()
