"""The server side of RFC 6455 WebSockets, in the standard library only.

The browser terminal needs one two-way byte stream per page, and rangectl
ships no web framework (the live scoreboard runs on `http.server`), so this
is the small part of the protocol a server needs: the opening handshake's
answer, frames read (a client's frames are always masked) and written (a
server's never are), messages put together from fragments, pings answered,
the closing handshake. Anything a peer may not send is refused with the
status code the RFC names, and every length is capped before it is read, so
a client cannot make the controller hold more than `max_message` bytes.
"""

from __future__ import annotations

import base64
import hashlib
import io
import struct
import threading
from dataclasses import dataclass
from enum import IntEnum

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, section 1.3
MAX_CONTROL = 125
MAX_MESSAGE = 64 * 1024  # a paste into the terminal; more is refused (1009)


class Opcode(IntEnum):
    CONTINUATION = 0x0
    TEXT = 0x1
    BINARY = 0x2
    CLOSE = 0x8
    PING = 0x9
    PONG = 0xA


class Status(IntEnum):
    """Close codes (RFC 6455, section 7.4.1) this server sends."""

    NORMAL = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    INVALID_DATA = 1007
    POLICY = 1008
    TOO_BIG = 1009
    INTERNAL_ERROR = 1011


class ProtocolError(Exception):
    """What the peer sent breaks the protocol; the connection closes with `status`."""

    def __init__(self, message: str, status: Status = Status.PROTOCOL_ERROR) -> None:
        super().__init__(message)
        self.status = status


class ClosedError(Exception):
    """The peer closed the connection (with a close frame or by going away)."""


@dataclass(frozen=True)
class Frame:
    fin: bool
    opcode: Opcode
    payload: bytes


@dataclass(frozen=True)
class Message:
    """A whole data message: text (already decoded from UTF-8) or bytes."""

    opcode: Opcode
    data: bytes


def accept_key(key: str) -> str:
    """Sec-WebSocket-Accept for a client's Sec-WebSocket-Key: it proves to the browser
    that this server speaks WebSocket and is not an HTTP server tricked into it."""
    return base64.b64encode(hashlib.sha1((key + GUID).encode("ascii")).digest()).decode()


def valid_client_key(key: str | None) -> bool:
    """A Sec-WebSocket-Key is the base64 of 16 bytes (section 4.1)."""
    if not key or len(key) != 24:
        return False
    try:
        return len(base64.b64decode(key, validate=True)) == 16
    except ValueError:
        return False


def mask(payload: bytes, key: bytes) -> bytes:
    """XOR with the 4-byte key, repeated (masking and unmasking are the same)."""
    if not payload:
        return payload
    repeated = (key * (len(payload) // 4 + 1))[: len(payload)]
    value = int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")
    return value.to_bytes(len(payload), "big")


def encode_frame(opcode: Opcode, payload: bytes, fin: bool = True,
                 key: bytes | None = None) -> bytes:
    """One frame; `key` masks it (clients must, servers must not)."""
    first = (0x80 if fin else 0) | opcode
    masked = 0x80 if key is not None else 0
    size = len(payload)
    if size <= 125:
        header = struct.pack("!BB", first, masked | size)
    elif size <= 0xFFFF:
        header = struct.pack("!BBH", first, masked | 126, size)
    else:
        header = struct.pack("!BBQ", first, masked | 127, size)
    if key is None:
        return header + payload
    return header + key + mask(payload, key)


def _exactly(stream: io.BufferedIOBase, size: int) -> bytes:
    data = stream.read(size) if size else b""
    if data is None or len(data) < size:
        raise ClosedError("the peer went away mid-frame")
    return data


def read_frame(stream: io.BufferedIOBase, max_payload: int = MAX_MESSAGE,
               require_mask: bool = True) -> Frame:
    """One frame from the stream; its length is checked before its payload is read."""
    first, second = _exactly(stream, 2)
    if first & 0x70:
        raise ProtocolError("reserved bits set (no extension was agreed)")
    try:
        opcode = Opcode(first & 0x0F)
    except ValueError:
        raise ProtocolError(f"unknown opcode {first & 0x0F:#x}") from None
    fin, masked, size = bool(first & 0x80), bool(second & 0x80), second & 0x7F
    if masked != require_mask:
        raise ProtocolError("a client's frames must be masked" if require_mask
                            else "a server's frames must not be masked")
    if size == 126:
        size = struct.unpack("!H", _exactly(stream, 2))[0]
    elif size == 127:
        size = struct.unpack("!Q", _exactly(stream, 8))[0]
        if size >> 63:
            raise ProtocolError("a 64-bit length with its top bit set")
    if opcode >= Opcode.CLOSE and (size > MAX_CONTROL or not fin):
        raise ProtocolError("a control frame is at most 125 bytes and never fragmented")
    if opcode < Opcode.CLOSE and size > max_payload:
        raise ProtocolError(f"a frame of {size} bytes (at most {max_payload})", Status.TOO_BIG)
    key = _exactly(stream, 4) if masked else b""
    payload = _exactly(stream, size)
    return Frame(fin, opcode, mask(payload, key) if masked else payload)


def close_payload(status: Status, reason: str = "") -> bytes:
    """A close frame's body: the code, then a reason cut to fit 125 bytes."""
    cut = reason.encode("utf-8")[: MAX_CONTROL - 2].decode("utf-8", "ignore")  # whole characters
    return struct.pack("!H", status) + cut.encode("utf-8")


def parse_close(payload: bytes) -> tuple[int | None, str]:
    """The code and reason of a peer's close frame (section 5.5.1)."""
    if not payload:
        return None, ""
    if len(payload) == 1:
        raise ProtocolError("a close frame with a one-byte body")
    code = struct.unpack("!H", payload[:2])[0]
    if code < 1000 or code in (1004, 1005, 1006, 1015) or 1016 <= code < 3000 or code >= 5000:
        raise ProtocolError(f"close code {code} may not be sent")
    try:
        return code, payload[2:].decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError("a close reason that is not UTF-8", Status.INVALID_DATA) from None


class WebSocket:
    """One server-side connection after the handshake. `receive` belongs to one
    thread; `send` and `close` may be called from any (writes are serialised)."""

    def __init__(self, reader: io.BufferedIOBase, writer: io.BufferedIOBase,
                 max_message: int = MAX_MESSAGE) -> None:
        self.reader, self.writer = reader, writer
        self.max_message = max_message
        self.lock = threading.Lock()
        self.closed = False

    def send(self, data: bytes, opcode: Opcode = Opcode.BINARY) -> None:
        self._write(encode_frame(opcode, data))

    def ping(self) -> None:
        self._write(encode_frame(Opcode.PING, b"rangectl"))

    def close(self, status: Status = Status.NORMAL, reason: str = "") -> None:
        """Send our close frame (once); the connection ends after it."""
        with self.lock:
            if self.closed:
                return
            self.closed = True
            try:
                self.writer.write(encode_frame(Opcode.CLOSE, close_payload(status, reason)))
                self.writer.flush()
            except OSError:
                pass

    def _write(self, frame: bytes) -> None:
        with self.lock:
            if self.closed:
                raise ClosedError("this side closed the connection")
            self.writer.write(frame)
            self.writer.flush()

    def receive(self) -> Message:
        """The next data message; pings are answered and pongs dropped on the way.
        Raises ClosedError when the peer closes (our close frame answers it)."""
        parts: list[bytes] = []
        first: Opcode | None = None
        while True:
            frame = read_frame(self.reader, self.max_message - sum(map(len, parts)))
            if frame.opcode == Opcode.CLOSE:
                parse_close(frame.payload)
                self.close()
                raise ClosedError("the peer closed the connection")
            if frame.opcode == Opcode.PING:
                self._write(encode_frame(Opcode.PONG, frame.payload))
                continue
            if frame.opcode == Opcode.PONG:
                continue
            if (frame.opcode == Opcode.CONTINUATION) != (first is not None):
                raise ProtocolError("a fragment out of order")
            first = first or frame.opcode
            parts.append(frame.payload)
            if frame.fin:
                return _message(first, b"".join(parts))


def _message(opcode: Opcode, data: bytes) -> Message:
    if opcode == Opcode.TEXT:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError("a text message that is not UTF-8", Status.INVALID_DATA) from None
    return Message(opcode, data)
