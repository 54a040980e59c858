"""The tunnel's reading of a server's websocket frames: the bytes wsproto's own server side writes
come out as one byte stream (message boundaries do not matter to SPDY) plus the control frames,
however the bytes are cut; what a server may not send is refused."""

from __future__ import annotations

import pytest
from wsproto.connection import Connection, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Ping, TextMessage

from pyspire.integrations.k3s.ws_frames import OP_CLOSE, OP_PING, ServerFrames, WebSocketFrameError


def _server() -> Connection:
    return Connection(ConnectionType.SERVER)


def test_binary_messages_of_every_length_encoding_come_out_joined_in_order() -> None:
    server = _server()
    messages = [b"a" * 5, b"b" * 300, b"c" * 70_000]  # 7-bit, 16-bit and 64-bit lengths
    wire = b"".join(server.send(BytesMessage(data=m)) for m in messages)
    assert ServerFrames().feed(wire) == (b"".join(messages), [])


def test_frames_cut_anywhere_give_the_same_bytes_once_all_arrived() -> None:
    server = _server()
    wire = server.send(BytesMessage(data=b"x" * 200)) + server.send(Ping(payload=b"p")) + server.send(
        BytesMessage(data=b"y" * 70_000, message_finished=False)
    ) + server.send(BytesMessage(data=b"z", message_finished=True))
    frames = ServerFrames()
    data, controls = b"", []
    for start in range(0, len(wire), 7):
        got, more = frames.feed(wire[start : start + 7])
        data += got
        controls += more
    assert data == b"x" * 200 + b"y" * 70_000 + b"z"
    assert controls == [(OP_PING, b"p")]


def test_a_close_frame_is_reported_with_its_code() -> None:
    wire = _server().send(CloseConnection(code=1000, reason="bye"))
    assert ServerFrames().feed(wire) == (b"", [(OP_CLOSE, (1000).to_bytes(2, "big") + b"bye")])


def test_a_masked_frame_is_refused_as_a_server_may_not_mask() -> None:
    client = Connection(ConnectionType.CLIENT)
    with pytest.raises(WebSocketFrameError, match="masked"):
        ServerFrames().feed(client.send(BytesMessage(data=b"hi")))


def test_text_is_refused_on_the_binary_tunnel() -> None:
    with pytest.raises(WebSocketFrameError, match="text"):
        ServerFrames().feed(_server().send(TextMessage(data="hi")))


def test_reserved_bits_are_refused_as_no_extension_was_agreed() -> None:
    with pytest.raises(WebSocketFrameError, match="reserved bits"):
        ServerFrames().feed(bytes((0x82 | 0x40, 1)) + b"x")
