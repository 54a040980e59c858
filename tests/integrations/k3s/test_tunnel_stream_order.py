"""A refused connection in a tunnel reports the kubelet's reason even when its data stream's end
arrives first: spdystream orders frames within a stream, not across the pair, so the error
stream's text can come after the data stream's reset (a CI run saw it under load)."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest

from pyspire.integrations.k3s import spdy
from pyspire.integrations.k3s.pod_stream import PodPort, PortForwardError
from pyspire.integrations.k3s.pod_tunnel import PodTunnel, TunnelStream

TARGET = PodPort("default", "web-1", 9999)
REASON = b"error forwarding port 9999 to pod web-1: connection refused"


def _stream() -> TunnelStream:
    return TunnelStream(cast(PodTunnel, cast(Any, object())), TARGET, error_id=1, data_id=3)


async def test_the_error_text_arriving_after_the_data_streams_reset_still_fails_the_connection_with_it() -> None:
    stream = _stream()
    stream.on_reply(3)
    stream.on_reset(3, spdy.RstStatus.CANCEL)  # the data stream's end overtakes the error text
    loop = asyncio.get_running_loop()
    loop.call_later(0.2, stream.on_data, 1, REASON, True)
    with pytest.raises(PortForwardError) as raised:
        await asyncio.wait_for(stream.read(), 5)
    assert str(raised.value) == f"{TARGET}: {REASON.decode()}"


async def test_a_connection_that_got_bytes_ends_at_once_when_its_data_stream_ends() -> None:
    stream = _stream()
    stream.on_reply(3)
    stream.on_data(3, b"HTTP/1.1 200 OK\r\n\r\n", False)
    assert await stream.read() == b"HTTP/1.1 200 OK\r\n\r\n"
    stream.on_data(3, b"", True)  # the pod closed: no wait for an error text that will not come
    assert await asyncio.wait_for(stream.read(), 0.5) == b""
