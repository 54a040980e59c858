"""The port-forward wire format and the wait between attempts: the pure part of the forwarder.

The API server's websocket port-forward (subprotocol `v4.channel.k8s.io`) multiplexes channels
over one websocket: every binary message starts with a channel byte (0 = data, 1 = error for the
first forwarded port), and the first message the server sends on each channel is that channel's
port as a little-endian uint16, not payload. Getting that wrong corrupts the first two bytes of
every response, so the codec is kept here, separate from any socket, and unit-tested.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

SUBPROTOCOL = "v4.channel.k8s.io"
DATA_CHANNEL = 0
ERROR_CHANNEL = 1


def encode_data(payload: bytes, channel: int = DATA_CHANNEL) -> bytes:
    """One client message: the channel byte, then the bytes for the pod's port."""
    return bytes((channel,)) + payload


@dataclass
class FrameDecoder:
    """Splits server messages into data and error bytes, dropping each channel's port prefix."""

    expected_port: int
    _seen_port: set[int] = field(default_factory=set)

    def feed(self, message: bytes) -> tuple[int, bytes]:
        """(channel, payload) of one server message; the port prefix yields empty payload."""
        if not message:
            return DATA_CHANNEL, b""
        channel, body = message[0], message[1:]
        if channel not in self._seen_port:
            if len(body) < 2:
                raise ValueError(f"port-forward channel {channel} opened without its port")
            (port,) = struct.unpack("<H", body[:2])
            if port != self.expected_port:
                raise ValueError(
                    f"port-forward channel {channel} is for port {port}, not {self.expected_port}"
                )
            self._seen_port.add(channel)
            body = body[2:]
        return channel, body


@dataclass
class Backoff:
    """The wait before looking for a ready pod again: 2 s, doubling, at most 30 s; reset on success."""

    initial: float = 2.0
    maximum: float = 30.0
    _next: float = 0.0

    def next_delay(self) -> float:
        """How long to wait now; each call without a reset doubles the next one."""
        delay = self._next or self.initial
        self._next = min(delay * 2, self.maximum)
        return delay

    def reset(self) -> None:
        """A ready pod was found: the next wait starts from the initial delay again."""
        self._next = 0.0
