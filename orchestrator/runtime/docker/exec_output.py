"""What comes back from a command run on a range host, bounded in size and time."""

from __future__ import annotations

import time
from typing import Any

from docker.utils.socket import SocketError, next_frame_header, read_exactly

# What one exec may bring back to the controller. A command on a range host (an
# inject run on a host a blue team holds, a service red talks to) can print
# without end until its timeout; only the last MiB is kept, where a tool's
# verdict is, and the rest is read and dropped (read_exec_output).
MAX_EXEC_OUTPUT = 1024 * 1024


# Seconds an exec may run past its own timeout before the controller gives up on it.
EXEC_GRACE = 10.0


def read_exec_output(stream: Any, deadline: float, limit: int) -> tuple[bytes, bool]:
    """The last `limit` bytes of an attached exec's output, read until it ends or
    `deadline` passes; and whether it ended."""
    sock = getattr(stream, "_sock", stream)
    kept = bytearray()
    try:
        while (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            _, size = next_frame_header(sock)
            if size < 0:
                return bytes(kept[-limit:]), True
            kept += read_exactly(sock, size)
            if len(kept) > 2 * limit:
                del kept[:-limit]
    except (OSError, SocketError):
        pass
    return bytes(kept[-limit:]), False


def close_stream(stream: Any) -> None:
    for closer in (getattr(stream, "close", None), getattr(getattr(stream, "_sock", None),
                                                            "close", None)):
        try:
            if closer is not None:
                closer()
        except OSError:
            pass
