"""The websocket frames a server sends, parsed many at a time: the receiving side of the tunnel.

wsproto parses one frame at a time through generators and buffers — some 20–40 µs each here —
and the API server's tunnel sends one websocket message per read of its connection to the
kubelet: 12,000 messages of ~5 KiB for one 64 MiB download. With wsproto reading them the tunnel
moved 72 MB/s where kubectl moved 128 in the same run, and a profile put wsproto's frame parsing
first; read here, as fast as one v4 websocket (benchmarks/README.md, ``k3s_port_forward.py``). The
tunnel needs little of a websocket's receiving side — its bytes are one SPDY byte stream, so
message boundaries do not matter — and that little is here (RFC 6455 section 5.2): frames from
a server are unmasked, no extension was negotiated (no reserved bit may be set), text is not
SPDY. Sending, the handshake, close and pong frames stay wsproto's.
"""

from __future__ import annotations

from pyspire.errors import TemporaryError

OP_CONTINUATION = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA


class WebSocketFrameError(TemporaryError, ValueError):
    """Bytes that are not websocket frames a server may send on the tunnel."""


class ServerFrames:
    """A server's frames, fed as they arrive (a frame may span feeds)."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> tuple[bytes, list[tuple[int, bytes]]]:
        """The payload of the binary (and continuation) frames ``data`` completes, joined in
        order, and its control frames as (opcode, payload)."""
        buffer = self._buffer
        buffer += data
        size, offset = len(buffer), 0
        payloads: list[bytes] = []
        controls: list[tuple[int, bytes]] = []
        view = memoryview(buffer)
        try:
            while size - offset >= 2:
                first, second = buffer[offset], buffer[offset + 1]
                if second & 0x80:
                    raise WebSocketFrameError("a masked frame from the server")
                if first & 0x70:
                    raise WebSocketFrameError("a frame with reserved bits set (no extension was agreed)")
                length, head = second & 0x7F, 2
                if length == 126:
                    if size - offset < 4:
                        break
                    length, head = int.from_bytes(view[offset + 2 : offset + 4], "big"), 4
                elif length == 127:
                    if size - offset < 10:
                        break
                    length, head = int.from_bytes(view[offset + 2 : offset + 10], "big"), 10
                end = offset + head + length
                if end > size:
                    break
                opcode = first & 0x0F
                if opcode in (OP_BINARY, OP_CONTINUATION):
                    payloads.append(bytes(view[offset + head : end]))
                elif opcode in (OP_CLOSE, OP_PING, OP_PONG):
                    if length > 125 or not first & 0x80:
                        raise WebSocketFrameError(f"a control frame (opcode {opcode}) of {length} bytes or in pieces")
                    controls.append((opcode, bytes(view[offset + head : end])))
                elif opcode == OP_TEXT:
                    raise WebSocketFrameError("text on a binary tunnel")
                else:
                    raise WebSocketFrameError(f"a frame of unknown opcode {opcode}")
                offset = end
        finally:
            view.release()
        del buffer[:offset]
        return (payloads[0] if len(payloads) == 1 else b"".join(payloads)), controls
