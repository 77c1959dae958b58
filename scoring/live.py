"""The live scoreboard: a small web server on 127.0.0.1 that pushes every change.

The page holds no scoring logic: the server recomputes the report document
whenever the exercise's events change and pushes a snapshot of it to every
open page as a server-sent event, so the live page, `rangectl score` and the
report always show the same figures.

Who may read it: every request must name this server in its Host header (a
web page elsewhere cannot rebind a DNS name of its own to 127.0.0.1 and read
the scores through the controller's browser), event streams are capped (each
holds a thread), and on an address other than loopback every request must
carry the token `rangectl serve` printed, in the URL or in the cookie the page
is given on its first visit.

Other pages may be mounted under a path prefix (the trainees' browser terminals,
orchestrator/access/terminal.py): a mounted handler gets every request under
its prefix after the Host check and does its own authorisation, since its
users hold their own tokens and not the instructors'.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import json
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from scoring.report.charts import score_chart, team_colour

Snapshot = Callable[[], tuple[int, dict[str, Any]]]  # (last event seq, report document)
Mount = Callable[[BaseHTTPRequestHandler], None]  # answers one request under its prefix
COOKIE = "rangectl_live"
MAX_STREAMS = 32


@dataclass(frozen=True)
class Guard:
    """Who the server answers: the Host names it accepts, and the token it requires
    (None on loopback, where only this machine's users can connect)."""

    hosts: frozenset[str]
    port: int
    token: str | None = None
    any_address: bool = False  # bound to 0.0.0.0: any IPv4 literal names this server

    def host_allowed(self, header: str | None) -> bool:
        """A name or address of this server, with our port if one is given. An IP
        literal cannot be rebound by DNS; a name can, so only known ones pass."""
        if not header:
            return False
        name, colon, port = header.strip().lower().rpartition(":")
        if not colon or not port.isdigit():
            name, port = header.strip().lower(), str(self.port)
        if int(port) != self.port:
            return False
        name = name.rstrip(".")
        if name in self.hosts:
            return True
        if not self.any_address:
            return False
        try:
            ipaddress.IPv4Address(name)
        except ValueError:
            return False
        return True

    def token_given(self, path: str, cookie_header: str | None) -> bool:
        if self.token is None:
            return True
        return any(hmac.compare_digest(given.encode(), self.token.encode())
                   for given in _offered_tokens(path, cookie_header))


def guard_for(bind: str, port: int, token: str | None) -> Guard:
    """The Guard of a server bound to `bind`:`port`."""
    hosts = {"localhost", "127.0.0.1", bind}
    if not ipaddress.IPv4Address(bind).is_loopback:
        hosts |= {socket.gethostname().lower(), socket.getfqdn().lower()}
    return Guard(frozenset(hosts), port, token, any_address=bind == "0.0.0.0")


def _offered_tokens(path: str, cookie_header: str | None) -> list[str]:
    offered = parse_qs(urlsplit(path).query).get("token", [])
    if cookie_header:
        with contextlib.suppress(CookieError):
            morsel = SimpleCookie(cookie_header).get(COOKIE)
            if morsel is not None:
                offered.append(morsel.value)
    return offered


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


@dataclass(frozen=True)
class Serving:
    """What every request handler of one server shares."""

    state: LiveState
    stop: threading.Event
    guard: Guard
    streams: threading.BoundedSemaphore
    keepalive: float = 15.0
    mounts: tuple[tuple[str, Mount], ...] = ()  # (path prefix, handler)


class LiveHandler(BaseHTTPRequestHandler):
    """One request to the live server; `serving` is set per server by `_handler`."""

    serving: ClassVar[Serving]
    page: ClassVar[bytes]
    server_version = "rangectl-live"
    timeout = 30  # a client that sends nothing does not hold a thread for ever

    def log_message(self, format: str, *args: Any) -> None:
        return  # the controller's terminal is for the exercise, not access logs

    def do_GET(self) -> None:  # the name http.server calls
        guard = self.serving.guard
        if not guard.host_allowed(self.headers.get("Host")):
            self._send(HTTPStatus.MISDIRECTED_REQUEST, "text/plain",
                       b"this server does not answer to that Host name\n")
            return
        path = urlsplit(self.path).path
        mounted = next((mount for prefix, mount in self.serving.mounts
                        if path.startswith(prefix)), None)
        if mounted is not None:
            mounted(self)
            return
        if not guard.token_given(self.path, self.headers.get("Cookie")):
            self._send(HTTPStatus.FORBIDDEN, "text/plain",
                       b"open the URL rangectl serve printed: it holds the token\n")
            return
        if path in ("/", "/index.html"):
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", self.page, cookie=True)
        elif path == "/scoreboard.json":
            with self.serving.state.lock:
                body = json.dumps(self.serving.state.view).encode()
            self._send(HTTPStatus.OK, "application/json", body)
        elif path == "/events":
            self._stream_if_room()
        else:
            self._send(HTTPStatus.NOT_FOUND, "text/plain", b"not found\n")

    def _send(self, status: HTTPStatus, kind: str, body: bytes, cookie: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        if status == HTTPStatus.SERVICE_UNAVAILABLE:
            self.send_header("Retry-After", "5")
        token = self.serving.guard.token
        if cookie and token is not None:
            # The page's later requests (and a reload) carry the token this way; only a
            # request that already proved it gets here.
            self.send_header("Set-Cookie", f"{COOKIE}={token}; Path=/; HttpOnly; "
                                           "SameSite=Strict")
        self.end_headers()
        self.wfile.write(body)

    def _stream_if_room(self) -> None:
        if not self.serving.streams.acquire(blocking=False):
            self._send(HTTPStatus.SERVICE_UNAVAILABLE, "text/plain",
                       b"too many open scoreboards; try again later\n")
            return
        try:
            self._stream()
        finally:
            self.serving.streams.release()

    def _stream(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = -2
        state = self.serving.state
        try:
            while not self.serving.stop.is_set():
                version, view = state.wait_for_change(seen, timeout=self.serving.keepalive)
                if version != seen:
                    self.wfile.write(f"data: {json.dumps(view)}\n\n".encode())
                    seen = version
                else:
                    self.wfile.write(b": still here\n\n")
                self.wfile.flush()
        except OSError:  # the page went away (or stopped reading)
            return


def _handler(serving: Serving) -> type[LiveHandler]:
    page = files("scoring").joinpath("live.html").read_bytes()
    return type("Handler", (LiveHandler,), {"serving": serving, "page": page})


class LiveServer:
    """Serves the live page on `bind`:`port` until `close()`; with `token`, only to
    requests that carry it. Paths under a prefix of `mounts` go to its handler."""

    def __init__(self, snapshot: Snapshot, bind: str = "127.0.0.1", port: int = 8800,
                 poll: float = 1.0, token: str | None = None, max_streams: int = MAX_STREAMS,
                 keepalive: float = 15.0, mounts: Sequence[tuple[str, Mount]] = ()) -> None:
        self.stop = threading.Event()
        self.state = LiveState(snapshot, poll)
        self.state.refresh()
        self.httpd = ThreadingHTTPServer((bind, port), BaseHTTPRequestHandler)
        self.httpd.daemon_threads = True
        self.token = token
        guard = guard_for(bind, int(self.httpd.server_address[1]), token)
        self.httpd.RequestHandlerClass = _handler(Serving(
            self.state, self.stop, guard, threading.BoundedSemaphore(max_streams), keepalive,
            tuple(mounts)))
        self.threads = [threading.Thread(target=self.state.watch, args=(self.stop,), daemon=True),
                        threading.Thread(target=self.httpd.serve_forever, daemon=True)]

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        query = f"?token={self.token}" if self.token else ""
        return f"http://{host!s}:{port}/{query}"

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
