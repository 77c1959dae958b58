"""Browser terminals in `rangectl serve`: a shell on a team's bastion, or through
it on one of the team's range hosts, for trainees whose network blocks SSH.

`GET /terminal/TEAM?token=T` is the page; its WebSocket `/terminal/TEAM/socket
?token=T&host=HOST` is the shell. Every request must carry TEAM's own token
(`rangectl access TEAM` prints the URL): another team's token, or none, is
refused, so a team's page never reaches another team's bastion. The socket
also needs an Origin naming this server (a page elsewhere cannot open it
with a browser that holds the URL: cross-site WebSocket hijacking) and a
HOST of the team's own (the names `rangectl connect` accepts); the shell is
`ssh` with the team's kit, as `rangectl connect` runs it (orchestrator/access/
shell.py). Terminals are capped per team and in all, since each holds a
thread and a process; every one opened is a `trainee.browser_login` event.

The live server (scoring/live.py) checks the Host header first and hands
every path under PREFIX here, before its own token: a trainee needs their
team's token, not the instructors'.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from importlib.resources import files
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from orchestrator.access.keys import TRAINEE_USER
from orchestrator.access.service import login_hosts, make_kit
from orchestrator.access.shell import Shell, Size, pump, ssh_argv
from orchestrator.access.tokens import load_tokens, token_matches
from orchestrator.access.websocket import Status, WebSocket, accept_key, valid_client_key
from orchestrator.errors import RangectlError, one_line
from orchestrator.events.kinds import TraineeBrowserLogin
from orchestrator.events.payload import Payload
from orchestrator.events.store import EventStore
from orchestrator.labels import BASTION
from orchestrator.plan.model import TeamRange
from orchestrator.runtime.backend import RangeBackend
from orchestrator.runtime.open import open_backend
from orchestrator.state import ExerciseState

PREFIX = "/terminal/"
SERVE_PORT = 8800  # `rangectl serve`'s default port
MAX_PER_TEAM = 8
MAX_TOTAL = 32
IDLE_TIMEOUT = 90.0  # seconds without a frame from the page (it answers pings every 20)
PAGE_DATA = "__RANGECTL_TERMINAL__"
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",  # the URL holds
           "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"}  # the token


@dataclass(frozen=True)
class Route:
    team: str
    socket: bool


def terminal_url(team: str, token: str, address: str = "127.0.0.1",
                 port: int = SERVE_PORT) -> str:
    """The page's URL as `rangectl access` prints it (the token is the team's key to it)."""
    return f"http://{address}:{port}{PREFIX}{quote(team, safe='')}?token={quote(token)}"


def parse_route(path: str) -> Route | None:
    """`/terminal/TEAM` (the page) or `/terminal/TEAM/socket`; None for anything else."""
    parts = path[len(PREFIX):].split("/") if path.startswith(PREFIX) else []
    if len(parts) == 1 and parts[0]:
        return Route(parts[0], socket=False)
    if len(parts) == 2 and parts[0] and parts[1] == "socket":
        return Route(parts[0], socket=True)
    return None


def same_origin(origin: str | None, host: str | None) -> bool:
    """Whether the page that opens the socket was served by this server: its Origin
    names the Host the request was sent to (which the live server has checked)."""
    if not origin or not host:
        return False
    parts = urlsplit(origin.strip())
    return parts.scheme == "http" and parts.netloc.lower() == host.strip().lower() \
        and not parts.path and not parts.query


def upgrade_requested(headers: dict[str, str]) -> bool:
    """A WebSocket opening handshake, version 13 (RFC 6455, section 4.2.1)."""
    connection = {part.strip().lower() for part in headers.get("connection", "").split(",")}
    return (headers.get("upgrade", "").strip().lower() == "websocket" and "upgrade" in connection
            and headers.get("sec-websocket-version", "").strip() == "13"
            and valid_client_key(headers.get("sec-websocket-key", "").strip()))


def choose_host(team: TeamRange, asked: str | None) -> str | None:
    """The host a terminal logs into: a name from the team's plan (the bastion when
    none is asked), never the page's own text; None for any other name."""
    return login_hosts(team).get(asked or BASTION)


class Seats:
    """Open terminals, counted per team and in all, against the caps."""

    def __init__(self, per_team: int = MAX_PER_TEAM, total: int = MAX_TOTAL) -> None:
        self.per_team, self.total = per_team, total
        self.lock = threading.Lock()
        self.taken: Counter[str] = Counter()

    def take(self, team: str) -> bool:
        with self.lock:
            if self.taken[team] >= self.per_team or self.taken.total() >= self.total:
                return False
            self.taken[team] += 1
            return True

    def give_back(self, team: str) -> None:
        with self.lock:
            self.taken[team] -= 1


def login_time() -> str:
    """Now, written as the sshd logins' `at` (nanoseconds, UTC), so both sort together."""
    now = datetime.now(UTC)
    return f"{now:%Y-%m-%dT%H:%M:%S}.{now.microsecond:06d}000Z"


class Terminals:
    """The terminal routes of one `rangectl serve`: the exercise they open shells into,
    the backend (opened on the first shell: the scoreboard needs no engine), the
    seats and the shells open now (ended when the server stops)."""

    def __init__(self, state: ExerciseState,
                 backend: Callable[[], RangeBackend] = open_backend,
                 seats: Seats | None = None, ping_every: float = 20.0,
                 record: Callable[[Payload], object] | None = None) -> None:
        self.state = state
        self.open_backend = backend
        self.seats = seats or Seats()
        self.ping_every = ping_every
        self.record = record or self._record
        self.page = files("orchestrator.access").joinpath("terminal.html").read_text("utf-8")
        self.lock = threading.Lock()
        self.backend: RangeBackend | None = None
        self.kit_locks: dict[str, threading.Lock] = {}
        self.shells: set[Shell] = set()

    def __call__(self, request: BaseHTTPRequestHandler) -> None:
        url = urlsplit(request.path)
        route = parse_route(url.path)
        if route is None:
            reply(request, HTTPStatus.NOT_FOUND, "not found\n")
            return
        query = parse_qs(url.query)
        team = self.authorised(route.team, _one(query, "token"))
        if team is None:
            reply(request, HTTPStatus.FORBIDDEN, "open the URL `rangectl access TEAM` printed "
                  "for this team: it holds the team's token\n")
        elif route.socket:
            self.open_socket(request, team, query)
        else:
            self.serve_page(request, team, _one(query, "host"))

    def authorised(self, name: str, token: str | None) -> TeamRange | None:
        """The team, if `token` is its own token; None otherwise (or with no plan)."""
        if not token_matches(load_tokens(self.state), name, token):
            return None
        plan = self.state.load_plan()
        if plan is None or name not in [team.team for team in plan.teams]:
            return None
        return plan.team(name)

    def serve_page(self, request: BaseHTTPRequestHandler, team: TeamRange,
                   asked: str | None) -> None:
        hosts = sorted(set(login_hosts(team).values()), key=lambda h: (h != BASTION, h))
        data = {"team": team.team, "name": team.name, "hosts": hosts,
                "host": choose_host(team, asked) or BASTION}
        text = json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e") \
            .replace("&", "\\u0026")
        host = request.headers.get("Host", "")
        policy = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                  f"connect-src 'self' ws://{host}; frame-ancestors 'none'; base-uri 'none'; "
                  "form-action 'none'")
        reply(request, HTTPStatus.OK, self.page.replace(PAGE_DATA, text),
              "text/html; charset=utf-8", {"Content-Security-Policy": policy})

    def open_socket(self, request: BaseHTTPRequestHandler, team: TeamRange,
                    query: dict[str, list[str]]) -> None:
        headers = {name.lower(): value for name, value in request.headers.items()}
        if not same_origin(headers.get("origin"), headers.get("host")):
            reply(request, HTTPStatus.FORBIDDEN, "the terminal opens only from its own page\n")
            return
        if not upgrade_requested(headers):
            reply(request, HTTPStatus.BAD_REQUEST, "a WebSocket (version 13) is expected\n")
            return
        host = choose_host(team, _one(query, "host"))
        if host is None:
            reply(request, HTTPStatus.BAD_REQUEST, f"team {team.team} has no such host to log "
                  "into; hosts: " + ", ".join(sorted(login_hosts(team))) + "\n")
            return
        if not self.seats.take(team.team):
            reply(request, HTTPStatus.SERVICE_UNAVAILABLE,
                  "too many terminals open; close one and try again\n", retry=True)
            return
        try:
            self.run_session(request, team, host, Size.of(_one(query, "cols"),
                                                          _one(query, "rows")))
        finally:
            self.seats.give_back(team.team)

    def run_session(self, request: BaseHTTPRequestHandler, team: TeamRange, host: str,
                    size: Size) -> None:
        socket = handshake(request)
        try:
            shell = Shell(ssh_argv(self.ssh(), self.kit(team.team), host), size)
        except (RangectlError, OSError) as error:
            text = error.message if isinstance(error, RangectlError) else str(error)
            socket.send(f"rangectl: no shell on {host}: {one_line(text)}\r\n".encode())
            socket.close(Status.INTERNAL_ERROR, "no shell")
            return
        with self.lock:
            self.shells.add(shell)
        try:
            source, port = request.client_address[:2]
            self.record(TraineeBrowserLogin(team=team.team, host=host, at=login_time(),
                                            user=TRAINEE_USER, source=str(source),
                                            port=str(port)))
            pump(socket, shell, self.ping_every)
        finally:
            shell.close()
            with self.lock:
                self.shells.discard(shell)

    def kit(self, team: str) -> Path:
        """The team's kit in the exercise's state, written afresh for each shell (a host
        rebuilt since has new keys); one team's shells wait for each other here."""
        with self.lock:
            if self.backend is None:
                self.backend = self.open_backend()
            backend = self.backend
            lock = self.kit_locks.setdefault(team, threading.Lock())
        with lock:
            return make_kit(backend, self.state, team, None)

    def ssh(self) -> str:
        found = shutil.which("ssh")
        if found is None:
            raise RangectlError("the OpenSSH client is missing on the controller",
                                "install it: apt-get install openssh-client")
        return found

    def _record(self, event: Payload) -> None:
        store = EventStore(self.state.events_path)  # opened per login, as a command does
        try:
            store.record(event)
        finally:
            store.close()

    def close(self) -> None:
        """End every open shell (the server is stopping)."""
        with self.lock:
            shells = list(self.shells)
        for shell in shells:
            shell.end()


def handshake(request: BaseHTTPRequestHandler) -> WebSocket:
    """Answer the opening handshake (101, in HTTP/1.1 as browsers require) and hand
    the connection over to the WebSocket; it is never reused for HTTP."""
    request.protocol_version = "HTTP/1.1"
    request.send_response(HTTPStatus.SWITCHING_PROTOCOLS)
    request.send_header("Upgrade", "websocket")
    request.send_header("Connection", "Upgrade")
    request.send_header("Sec-WebSocket-Accept",
                        accept_key(request.headers.get("Sec-WebSocket-Key", "").strip()))
    request.end_headers()
    request.wfile.flush()
    request.close_connection = True
    request.connection.settimeout(IDLE_TIMEOUT)
    return WebSocket(request.rfile, request.wfile)


def reply(request: BaseHTTPRequestHandler, status: HTTPStatus, body: str,
          kind: str = "text/plain; charset=utf-8", extra: dict[str, str] | None = None,
          retry: bool = False) -> None:
    data = body.encode("utf-8")
    request.send_response(status)
    for name, value in {**HEADERS, "Content-Type": kind, "Content-Length": str(len(data)),
                        **(extra or {}), **({"Retry-After": "5"} if retry else {})}.items():
        request.send_header(name, value)
    request.end_headers()
    request.wfile.write(data)


def _one(query: dict[str, list[str]], name: str) -> str | None:
    """A query parameter given once; None when absent or given twice."""
    values = query.get(name, [])
    return values[0] if len(values) == 1 else None
