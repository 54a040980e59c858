"""The port-forward framing and backoff: bytes reach the pod intact, waits grow and reset."""

from __future__ import annotations

import struct

import pytest

from pyspire.integrations.k3s.portforward import (
    DATA_CHANNEL,
    ERROR_CHANNEL,
    Backoff,
    FrameDecoder,
    encode_data,
)


def test_data_sent_to_the_pod_is_prefixed_with_the_data_channel_byte() -> None:
    assert encode_data(b"GET /") == b"\x00GET /"


def test_the_first_message_of_each_channel_carries_the_port_and_no_payload() -> None:
    decoder = FrameDecoder(expected_port=8080)
    port = struct.pack("<H", 8080)
    assert decoder.feed(bytes((DATA_CHANNEL,)) + port) == (DATA_CHANNEL, b"")
    assert decoder.feed(bytes((ERROR_CHANNEL,)) + port) == (ERROR_CHANNEL, b"")
    assert decoder.feed(b"\x00HTTP/1.1 200") == (DATA_CHANNEL, b"HTTP/1.1 200")
    # later payload that happens to start like a port is kept whole
    assert decoder.feed(bytes((DATA_CHANNEL,)) + port) == (DATA_CHANNEL, port)


def test_payload_in_the_port_message_is_kept() -> None:
    decoder = FrameDecoder(expected_port=80)
    assert decoder.feed(b"\x00" + struct.pack("<H", 80) + b"hi") == (DATA_CHANNEL, b"hi")


def test_a_channel_for_another_port_is_an_error() -> None:
    with pytest.raises(ValueError, match="port 81, not 80"):
        FrameDecoder(expected_port=80).feed(b"\x00" + struct.pack("<H", 81))


def test_the_wait_for_a_ready_pod_doubles_from_two_seconds_to_thirty_and_resets() -> None:
    backoff = Backoff()
    assert [backoff.next_delay() for _ in range(6)] == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    backoff.reset()
    assert backoff.next_delay() == 2.0
