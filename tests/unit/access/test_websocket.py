"""RFC 6455 framing on the server side: what a browser sends is read, what breaks
the protocol is refused with its status, and no length is trusted before it is capped."""

from __future__ import annotations

import io
import struct

import pytest

from orchestrator.access.websocket import (
    ClosedError,
    Opcode,
    ProtocolError,
    Status,
    WebSocket,
    accept_key,
    close_payload,
    encode_frame,
    mask,
    parse_close,
    read_frame,
    valid_client_key,
)

KEY = b"\x37\xfa\x21\x3d"


def client_frame(opcode: Opcode, payload: bytes, fin: bool = True) -> bytes:
    return encode_frame(opcode, payload, fin=fin, key=KEY)


def test_the_accept_key_is_the_rfcs_own_example() -> None:
    # RFC 6455, section 1.3.
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert valid_client_key("dGhlIHNhbXBsZSBub25jZQ==")
    for bad in (None, "", "c2hvcnQ=", "!" * 24, "dGhlIHNhbXBsZSBub25jZQ"):
        assert not valid_client_key(bad), bad


def test_masking_is_the_rfcs_example_and_its_own_inverse() -> None:
    # RFC 6455, section 5.7: a masked "Hello".
    frame = bytes.fromhex("818537fa213d7f9f4d5158")
    assert client_frame(Opcode.TEXT, b"Hello") == frame
    assert read_frame(io.BytesIO(frame)).payload == b"Hello"
    assert mask(mask(b"any bytes at all", KEY), KEY) == b"any bytes at all"
    assert encode_frame(Opcode.TEXT, b"Hello") == bytes.fromhex("810548656c6c6f")


@pytest.mark.parametrize(("size", "header"), [(125, 2), (126, 4), (65535, 4), (65536, 10)])
def test_each_length_form_round_trips(size: int, header: int) -> None:
    payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
    frame = client_frame(Opcode.BINARY, payload)
    assert len(frame) == header + 4 + size
    read = read_frame(io.BytesIO(frame), max_payload=size)
    assert (read.fin, read.opcode, read.payload) == (True, Opcode.BINARY, payload)
    # The server's own frames: the same lengths, no mask.
    unmasked = encode_frame(Opcode.BINARY, payload)
    assert len(unmasked) == header + size
    assert read_frame(io.BytesIO(unmasked), max_payload=size, require_mask=False).payload == payload


def test_a_frame_over_the_cap_is_refused_before_its_payload_is_read() -> None:
    header = struct.pack("!BBQ", 0x82, 0x80 | 127, 1 << 40)  # claims a terabyte, sends none
    with pytest.raises(ProtocolError) as refused:
        read_frame(io.BytesIO(header + KEY), max_payload=65536)
    assert refused.value.status == Status.TOO_BIG
    with pytest.raises(ProtocolError):
        read_frame(io.BytesIO(struct.pack("!BBQ", 0x82, 0x80 | 127, 1 << 63) + KEY))


@pytest.mark.parametrize(("frame", "why"), [
    (encode_frame(Opcode.TEXT, b"hi"), "unmasked client frame"),
    (bytes([0xC1, 0x80]) + KEY, "reserved bit"),
    (bytes([0x83, 0x80]) + KEY, "unknown opcode"),
    (client_frame(Opcode.PING, b"x" * 126), "long control frame"),
    (client_frame(Opcode.PING, b"x", fin=False), "fragmented control frame"),
])
def test_what_breaks_the_protocol_is_refused(frame: bytes, why: str) -> None:
    with pytest.raises(ProtocolError) as refused:
        read_frame(io.BytesIO(frame))
    assert refused.value.status == Status.PROTOCOL_ERROR, why


def test_a_truncated_frame_is_the_peer_going_away() -> None:
    with pytest.raises(ClosedError):
        read_frame(io.BytesIO(client_frame(Opcode.TEXT, b"Hello")[:-2]))
    with pytest.raises(ClosedError):
        read_frame(io.BytesIO(b""))


def socket_with(*frames: bytes, max_message: int = 65536) -> tuple[WebSocket, io.BytesIO]:
    sent = io.BytesIO()
    return WebSocket(io.BytesIO(b"".join(frames)), sent, max_message), sent


def test_fragments_make_one_message_and_pings_are_answered_between_them() -> None:
    socket, sent = socket_with(client_frame(Opcode.TEXT, b"hos", fin=False),
                               client_frame(Opcode.PING, b"are you there"),
                               client_frame(Opcode.CONTINUATION, b"tname\r"))
    message = socket.receive()
    assert (message.opcode, message.data) == (Opcode.TEXT, b"hostname\r")
    pong = read_frame(io.BytesIO(sent.getvalue()), require_mask=False)
    assert (pong.opcode, pong.payload) == (Opcode.PONG, b"are you there")


def test_fragments_are_capped_together() -> None:
    socket, _ = socket_with(client_frame(Opcode.BINARY, b"x" * 60, fin=False),
                            client_frame(Opcode.CONTINUATION, b"x" * 60), max_message=100)
    with pytest.raises(ProtocolError) as refused:
        socket.receive()
    assert refused.value.status == Status.TOO_BIG


def test_a_continuation_without_a_start_and_bad_text_are_refused() -> None:
    socket, _ = socket_with(client_frame(Opcode.CONTINUATION, b"x"))
    with pytest.raises(ProtocolError):
        socket.receive()
    socket, _ = socket_with(client_frame(Opcode.TEXT, b"\xff\xfe"))
    with pytest.raises(ProtocolError) as refused:
        socket.receive()
    assert refused.value.status == Status.INVALID_DATA


def test_a_close_is_answered_once_and_nothing_is_sent_after_it() -> None:
    socket, sent = socket_with(client_frame(Opcode.CLOSE, close_payload(Status.GOING_AWAY, "bye")))
    with pytest.raises(ClosedError):
        socket.receive()
    answer = read_frame(io.BytesIO(sent.getvalue()), require_mask=False)
    assert answer.opcode == Opcode.CLOSE
    assert parse_close(answer.payload) == (Status.NORMAL, "")
    socket.close(Status.INTERNAL_ERROR, "again")
    with pytest.raises(ClosedError):
        socket.send(b"late")
    assert sent.getvalue() == encode_frame(Opcode.CLOSE, close_payload(Status.NORMAL))


def test_close_bodies() -> None:
    assert parse_close(b"") == (None, "")
    assert parse_close(close_payload(Status.POLICY, "no")) == (1008, "no")
    long = close_payload(Status.NORMAL, "é" * 200)
    assert len(long) <= 125
    assert parse_close(long) == (1000, "é" * 61)  # cut between characters, never inside one
    for body in (b"\x03", struct.pack("!H", 1005), struct.pack("!H", 999),
                 struct.pack("!H", 1000) + b"\xff"):
        with pytest.raises(ProtocolError):
            parse_close(body)
