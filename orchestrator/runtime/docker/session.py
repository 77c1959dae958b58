"""A long-running process on a range host, talked to one line at a time.

Each tick the engine asks every team's scorebot to run its checks and every
bastion for new incident reports. Starting a process for each (a `docker
exec` and a Python interpreter per team per tick) cost more than the checks
themselves; instead, one attached exec per host stays open for the whole run,
and each tick is one request line in and one answer line out, still through
the Docker API and never through a range network.
"""

from __future__ import annotations

import socket
import time
from typing import Any

from docker.utils.socket import STDOUT, SocketError, next_frame_header, read_exactly

from orchestrator.errors import RuntimeFailureError

MAX_ANSWER = 16 * 1024 * 1024
CLOSE_WAIT = 5.0  # seconds a closing session waits for its process to end


class DockerSession:
    """One attached exec; `request` is not thread-safe (one caller per session)."""

    def __init__(self, api: Any, container_id: str, command: list[str], label: str,
                 user: str | None = None) -> None:
        self.label = label
        created = api.exec_create(container_id, command, stdin=True, stdout=True, stderr=False,
                                  tty=False, user=user or "")
        self._api = api
        self._exec_id = str(created["Id"])
        self._stream = api.exec_start(self._exec_id, socket=True)
        self._socket: socket.socket = getattr(self._stream, "_sock", self._stream)
        self._buffer = b""

    def request(self, line: str, timeout: float) -> str:
        """Send one line, return the process's next line of output, within `timeout` in all.

        The deadline is for the whole answer, not each read: a range host that
        drips one byte at a time must not hold the tick for every team.
        """
        deadline = time.monotonic() + timeout
        try:
            self._socket.settimeout(timeout)
            self._socket.sendall(line.encode() + b"\n")
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise SocketError(f"no whole answer within {timeout:g}s")
                self._socket.settimeout(left)
                stream, size = next_frame_header(self._socket)
                if size < 0:
                    raise SocketError("the process ended")
                data = read_exactly(self._socket, size)
                if stream == STDOUT:
                    self._buffer += data
                if len(self._buffer) > MAX_ANSWER:
                    raise SocketError("the answer is too long")
        except (OSError, SocketError) as exc:  # its owner closes it (HostProcess)
            raise RuntimeFailureError(f"{self.label}: the session ended: {exc}") from None
        answer, _, self._buffer = self._buffer.partition(b"\n")
        return answer.decode(errors="replace")

    def close(self) -> None:
        """End the process and wait (briefly) until it has: its input is closed, so it
        finishes, and no exec is left running when the container is removed."""
        deadline = time.monotonic() + CLOSE_WAIT
        try:
            self._socket.shutdown(socket.SHUT_WR)
            # Drain what is left until the process ends its output, within one
            # deadline: a process that writes for ever must not hold `close`.
            while (left := deadline - time.monotonic()) > 0:
                self._socket.settimeout(left)
                if not self._socket.recv(65536):
                    break
        except OSError:
            pass
        for closer in (getattr(self._stream, "close", None), self._socket.close):
            try:
                if closer is not None:
                    closer()
            except OSError:
                pass
        deadline = time.monotonic() + CLOSE_WAIT
        while time.monotonic() < deadline:
            try:
                if not self._api.exec_inspect(self._exec_id).get("Running"):
                    return
            except Exception:  # the container is gone: so is the process
                return
            time.sleep(0.05)
