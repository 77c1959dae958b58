"""`rangectl serve`: who may read the live scoreboard, against a real server process.

Before, the server answered any Host header (so a web page could rebind a DNS
name of its own to 127.0.0.1 and read the scores through the controller's
browser), held a thread for every event stream anyone opened, and on
`--bind 0.0.0.0` served the scores to anyone who could reach the machine.
"""

from __future__ import annotations

import http.client
import socket
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from orchestrator.exercise.scored import live_report, open_scored
from scoring.live import LiveServer
from tests.browser.chromium import Chromium
from tests.browser.conftest import browser
from tests.e2e.cli import serving
from tests.unit.scoring.golden import golden_exercise

MAX_STREAMS = 32  # as docs/scoring.md promises
TOTAL = "document.querySelector('#standings tr[data-team=tallinn] td.total')?.textContent"

__all__ = ["browser"]


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    golden_exercise(tmp_path)
    return tmp_path


def get(port: int, path: str, host: str | None = None,
        headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET path from 127.0.0.1:port with this Host header (default: the real one)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", host or f"127.0.0.1:{port}")
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        answer = connection.getresponse()
        found = {name.lower(): value for name, value in answer.getheaders()}
        body = b"" if path.startswith("/events") and answer.status == 200 else answer.read()
        return answer.status, found, body
    finally:
        connection.close()


def open_stream(port: int) -> tuple[socket.socket, bytes]:
    """An event stream as a page holds it: the status line and the first event."""
    client = socket.create_connection(("127.0.0.1", port), timeout=10)
    client.sendall(f"GET /events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    received = b""
    while b"\r\n\r\n" not in received or (received.startswith(b"HTTP/1.0 200")
                                          and b"\ndata: " not in received):
        chunk = client.recv(65536)
        if not chunk:
            break
        received += chunk
    return client, received


def test_a_foreign_host_header_is_refused(state_dir: Path) -> None:
    with serving(state_dir) as served:
        port = served.port
        for host in (f"attacker.example:{port}", "attacker.example", f"localhost.evil:{port}",
                     f"127.0.0.1:{port + 1}"):
            status, _, body = get(port, "/scoreboard.json", host=host)
            assert status == 421, host
            assert b"ottawa" not in body
        assert get(port, "/events", host=f"attacker.example:{port}")[0] == 421
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost", f"LOCALHOST:{port}"):
            status, _, body = get(port, "/scoreboard.json", host=host)
            assert status == 200, host
            assert b"ottawa" in body


def test_event_streams_are_capped(state_dir: Path) -> None:
    with serving(state_dir) as served, ExitStack() as streams:
        for _ in range(MAX_STREAMS):
            client, received = open_stream(served.port)
            streams.callback(client.close)
            assert received.startswith(b"HTTP/1.0 200"), received[:80]
            assert b"data: " in received
        client, received = open_stream(served.port)
        streams.callback(client.close)
        assert received.startswith(b"HTTP/1.0 503"), received[:80]
        assert b"Retry-After: 5" in received
        # The page itself still loads: the cap is on streams, not on the server.
        assert get(served.port, "/")[0] == 200


def test_a_server_off_loopback_requires_the_printed_token(state_dir: Path) -> None:
    with serving(state_dir, "--bind", "0.0.0.0") as served:
        token = parse_qs(urlsplit(served.url).query)["token"][0]
        assert len(token) >= 32
        port = served.port
        for path in ("/", "/scoreboard.json", "/events", "/?token=", "/?token=" + token[:-1],
                     "/?token=" + token + "x"):
            status, headers, _ = get(port, path)
            assert status == 403, path
            assert "set-cookie" not in headers
        status, headers, page = get(port, f"/?token={token}")
        assert status == 200
        assert b"EventSource" in page
        cookie = headers["set-cookie"]
        assert cookie.startswith(f"rangectl_live={token};")
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        # The page's own requests carry the token, in its URL or in that cookie.
        assert get(port, f"/scoreboard.json?token={token}")[0] == 200
        assert get(port, "/scoreboard.json",
                   headers={"Cookie": f"rangectl_live={token}"})[0] == 200
        assert get(port, f"/events?token={token}")[0] == 200
        assert get(port, "/scoreboard.json", headers={"Cookie": "rangectl_live=guess"})[0] == 403
        # The token does not excuse a foreign Host.
        assert get(port, f"/?token={token}", host=f"attacker.example:{port}")[0] == 421


def test_a_server_on_loopback_prints_no_token(state_dir: Path) -> None:
    with serving(state_dir) as served:
        assert "token" not in served.url


def test_a_closed_stream_frees_its_place(state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # In process, with a cap of 2 and a keep-alive of 0.2 s: a page that went away
    # is noticed at the next keep-alive, and its place goes to the next page.
    monkeypatch.setenv("RANGECTL_STATE_DIR", str(state_dir))
    live = live_report(open_scored(None))
    server = LiveServer(live.snapshot, port=0, max_streams=2, keepalive=0.2).start()
    try:
        port = int(server.httpd.server_address[1])
        first, _ = open_stream(port)
        second, _ = open_stream(port)
        third, refused = open_stream(port)
        third.close()
        assert refused.startswith(b"HTTP/1.0 503")
        first.close()
        deadline = time.monotonic() + 5
        while True:
            again, received = open_stream(port)
            again.close()
            if received.startswith(b"HTTP/1.0 200") or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert received.startswith(b"HTTP/1.0 200"), received[:80]
        second.close()
    finally:
        server.close()


def test_the_page_works_with_its_token_in_a_browser(
        browser: Chromium, state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Served as off loopback (with a token), opened from the printed URL: the page's
    # own event stream carries the token, and a reload without it keeps working.
    monkeypatch.setenv("RANGECTL_STATE_DIR", str(state_dir))
    live = live_report(open_scored(None))
    server = LiveServer(live.snapshot, port=0, token="t0ken-for-the-page").start()
    try:
        browser.open(server.url)
        assert "?token=t0ken-for-the-page" in server.url
        assert browser.wait_for(TOTAL + " === '63.51'")
        assert browser.wait_for("document.getElementById('connection').textContent === 'live'")
        browser.open(server.url.split("?")[0])
        assert browser.wait_for(TOTAL + " === '63.51'")
        assert browser.wait_for("document.getElementById('connection').textContent === 'live'")
    finally:
        server.close()
