"""The scorebot's check runner against real services on loopback."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from orchestrator.agents.check_runner import run_all
from tests.tcp_service import service


class Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"Welcome to Arctic Sentinel" if self.path == "/" else b"nope"
        self.send_response(200 if self.path == "/" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def web() -> Iterator[int]:
    server = HTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()


@pytest.fixture(scope="module")
def banner() -> Iterator[int]:
    with service(lambda connection: connection.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")) as port:
        yield port


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(*checks: dict[str, Any]) -> list[str]:
    results = asyncio.run(run_all([{"address": "127.0.0.1", "timeout": 2, **c} for c in checks]))
    return [r["result"] for r in results]


def test_http_ok_degraded_and_down(web: int) -> None:
    assert run(
        {"type": "http", "port": web, "path": "/", "contains": "Arctic Sentinel"},
        {"type": "http", "port": web, "path": "/", "contains": "Antarctic"},
        {"type": "http", "port": web, "path": "/missing"},
        {"type": "http", "port": closed_port()},
    ) == ["ok", "degraded", "degraded", "down"]


def test_tcp_banner(banner: int) -> None:
    assert run(
        {"type": "tcp", "port": banner, "banner": "SSH-2.0"},
        {"type": "tcp", "port": banner, "banner": "!AIVDM"},
        {"type": "tcp", "port": closed_port()},
    ) == ["ok", "degraded", "down"]


def test_command_check_and_a_broken_spec() -> None:
    assert run(
        {"type": "command", "run": "echo ready", "contains": "ready"},
        {"type": "command", "run": "echo nearly", "contains": "ready"},
        {"type": "command", "run": "exit 3"},
        {"type": "command", "run": "sleep 5", "timeout": 1},
        {"type": "http"},  # no port: the check's own fault
    ) == ["ok", "degraded", "down", "down", "error"]
