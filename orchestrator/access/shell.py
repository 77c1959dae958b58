"""A browser terminal's shell: the OpenSSH client on a pseudo-terminal, and the
pump between it and the page's WebSocket.

The shell is the same one `rangectl connect` opens: `ssh -F KIT/ssh_config
HOST` with the team's own kit, so the bastion is the only way in and the
team's key the only credential. The client runs in a session of its own (its
process group is killed when the page goes away) with an argument list, never
a shell: what a trainee types goes to the remote shell and nowhere else. Its
escape character is off, so `~C` cannot open forwardings on the controller.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import threading
from dataclasses import dataclass
from pathlib import Path

from orchestrator.access.websocket import ClosedError, ProtocolError, Status, WebSocket

READ_SIZE = 64 * 1024
TERM = "vt100"  # what the page's terminal renders (terminal.html)
# A trainee's shell must not open anything on the controller: no escapes (~C
# would add forwardings), no forwardings, no agent, no X11, no local commands.
SSH_OPTIONS = ("BatchMode=yes", "EscapeChar=none", "ClearAllForwardings=yes",
               "ForwardAgent=no", "ForwardX11=no", "PermitLocalCommand=no",
               "ConnectTimeout=15")


@dataclass(frozen=True)
class Size:
    """The page's terminal, in characters; clamped to what a page can show."""

    columns: int = 100
    rows: int = 30

    @classmethod
    def of(cls, columns: str | None, rows: str | None) -> Size:
        def clamp(value: str | None, low: int, high: int, default: int) -> int:
            return min(max(int(value), low), high) if value and value.isdigit() else default
        return cls(clamp(columns, 20, 400, cls.columns), clamp(rows, 5, 200, cls.rows))


def ssh_argv(ssh: str, config: Path, host: str) -> list[str]:
    """The client's arguments; `host` is a name from the team's plan, never the page's."""
    options = [part for option in SSH_OPTIONS for part in ("-o", option)]
    return [ssh, "-F", str(config), *options, "-tt", host]


class Shell:
    """One OpenSSH client on its own pseudo-terminal, in its own session."""

    def __init__(self, argv: list[str], size: Size) -> None:
        master, slave = pty.openpty()
        try:
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size.rows,
                                                                size.columns, 0, 0))
            environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                           "HOME": os.environ.get("HOME", "/"), "TERM": TERM,
                           "LANG": "C.UTF-8"}
            self.process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                                            env=environment, start_new_session=True,
                                            close_fds=True)
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        os.set_blocking(master, False)
        self.master = master
        self.lock = threading.Lock()  # `ended`
        self.terminal = threading.Lock()  # the master's use by `write` against `close`
        self.ended = self.closed = False

    def write(self, data: bytes) -> None:
        """Keystrokes to the client, waiting while its terminal is full (a paste),
        dropped once it has ended; never on a closed (and maybe reused) descriptor."""
        view = memoryview(data)
        with self.terminal:
            while view and not self.closed and not self.ended:
                try:
                    view = view[os.write(self.master, view):]
                except BlockingIOError:
                    select.select([], [self.master], [], 1.0)

    def read(self, timeout: float) -> bytes | None:
        """Output, b"" once the client has gone, None when nothing came in time."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return None
        try:
            return os.read(self.master, READ_SIZE)
        except BlockingIOError:
            return None
        except OSError:  # EIO: every holder of the terminal's other side has gone
            return b""

    def end(self, grace: float = 2.0) -> None:
        """Hang up on the client's whole process group (the ProxyJump client with it),
        then kill what is left. Only the first call acts."""
        with self.lock:
            if self.ended:
                return
            self.ended = True
        group = self.process.pid  # its own session: the group has its id, kept until reaped
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGHUP)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=grace)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)
        self.process.wait()

    def close(self) -> None:
        self.end()
        with self.terminal:
            if not self.closed:
                self.closed = True
                os.close(self.master)


def pump(socket: WebSocket, shell: Shell, ping_every: float = 20.0) -> None:
    """Keystrokes from the page to the client and its output back, until either side
    ends; the shell is always ended and the socket closed on the way out."""
    typing = threading.Thread(target=_keystrokes, args=(socket, shell), daemon=True)
    typing.start()
    try:
        _output(socket, shell, ping_every)
    finally:
        shell.end()
        socket.close(Status.NORMAL, "the session ended")
        typing.join(timeout=5)  # the page answers our close; `write` stops meanwhile
        shell.close()


def _keystrokes(socket: WebSocket, shell: Shell) -> None:
    try:
        while True:
            shell.write(socket.receive().data)
    except ProtocolError as error:
        socket.close(error.status, str(error))
    except (ClosedError, OSError, ValueError):
        pass
    finally:
        shell.end()  # the output loop sees the terminal's end and returns


def _output(socket: WebSocket, shell: Shell, ping_every: float) -> None:
    idle = 0.0
    step = min(1.0, ping_every)
    try:
        while True:
            data = shell.read(step)
            if data is None:
                idle += step
                if shell.ended:
                    return
                if idle >= ping_every:  # the page answers, or the read times out
                    socket.ping()
                    idle = 0.0
                continue
            if not data:
                return
            idle = 0.0
            socket.send(data)
    except (ClosedError, OSError):
        return
