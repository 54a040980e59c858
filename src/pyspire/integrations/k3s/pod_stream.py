"""One port-forward stream to a pod port: the API server's websocket, through the cluster's client.

Each forwarded TCP connection opens one websocket to
``/api/v1/namespaces/<ns>/pods/<pod>/portforward?ports=<port>`` with subprotocol
``v4.channel.k8s.io`` (the kubelet's — here kwok's — websocket port-forward, which the API server
proxies as an upgrade). The websocket rides on the cluster's one ``httpx.AsyncClient`` (its CA
and client certificate), through ``httpx-ws`` — the transport kr8s uses too — so no second client,
no certificate temp files, nothing created per event loop. Channel 0 carries the bytes, channel 1
an error text (the pod's port refused, say); the framing lives in :mod:`.portforward`.
"""

from __future__ import annotations

import base64
import contextlib
import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import wsproto.utilities
from httpx_ws import AsyncWebSocketSession, HTTPXWSException, WebSocketDisconnect

from pyspire.errors import TemporaryError
from pyspire.integrations.k3s.portforward import (
    DATA_CHANNEL,
    ERROR_CHANNEL,
    SUBPROTOCOL,
    FrameDecoder,
    encode_data,
)

#: Largest websocket message accepted, and the read size of the socket under it: the API server
#: relays the pod's bytes in messages of up to 32 KiB, so 1 MiB never splits one and reads in bulk.
MAX_MESSAGE = 1 << 20
#: For the upgrade request only (the cluster's client keeps short timeouts for health checks);
#: the stream itself has none: a connection may stay quiet as long as its client wants.
OPEN_TIMEOUT = 10.0


class PortForwardError(TemporaryError, RuntimeError):
    """The API server refused the port-forward, or the pod side reported an error on it."""


@dataclass(frozen=True)
class PodPort:
    """Where one forwarded connection goes: a pod (by namespace and name) and its port."""

    namespace: str
    pod: str
    port: int

    def __str__(self) -> str:
        return f"pod {self.namespace}/{self.pod} port {self.port}"


def portforward_path(target: PodPort) -> str:
    """The API path of the pod's port-forward subresource, for one port."""
    return (
        f"/api/v1/namespaces/{quote(target.namespace, safe='')}/pods/{quote(target.pod, safe='')}"
        f"/portforward?ports={target.port}"
    )


class PodStream:
    """The bytes of one forwarded connection, read and written through the websocket."""

    def __init__(self, ws: AsyncWebSocketSession, target: PodPort) -> None:
        self._ws = ws
        self._target = target
        self._decoder = FrameDecoder(expected_port=target.port)
        self._closed = False

    async def read(self) -> bytes:
        """The pod's next bytes; b"" once the stream ended. An error channel text raises."""
        while not self._closed:
            try:
                message = await self._ws.receive_bytes()
            except (WebSocketDisconnect, HTTPXWSException):
                self._closed = True
                return b""
            channel, payload = self._decoder.feed(message)
            if channel == DATA_CHANNEL and payload:
                return payload
            if channel == ERROR_CHANNEL and payload:
                self._closed = True
                raise PortForwardError(f"{self._target}: {payload.decode(errors='replace').strip()}")
        return b""

    async def write(self, data: bytes) -> None:
        """Send bytes to the pod (on the data channel)."""
        try:
            await self._ws.send_bytes(encode_data(data))
        except (HTTPXWSException, wsproto.utilities.LocalProtocolError, OSError) as exc:
            self._closed = True
            raise PortForwardError(f"{self._target}: the port-forward stream closed") from exc

    async def close(self) -> None:
        """Nothing to do here: leaving :func:`open_pod_stream` closes the websocket."""
        self._closed = True


def _upgrade_headers() -> dict[str, str]:
    return {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Key": base64.b64encode(secrets.token_bytes(16)).decode(),
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Protocol": SUBPROTOCOL,
    }


@contextlib.asynccontextmanager
async def open_pod_stream(http: httpx.AsyncClient, server_url: str, target: PodPort) -> AsyncIterator[PodStream]:
    """A websocket port-forward to ``target``, closed on leaving; a refusal raises with the
    API server's own message (``pods "web-1" not found``, a forbidden verb…).

    The upgrade is made here rather than by ``httpx_ws.aconnect_ws`` only so that a refusal's
    body (the Status object saying why) can still be read; the session is httpx-ws's."""
    url = server_url.rstrip("/") + portforward_path(target)
    try:
        async with http.stream("GET", url, headers=_upgrade_headers(), timeout=OPEN_TIMEOUT) as response:
            if response.status_code != 101:
                raise PortForwardError(f"port-forward to {target} refused: {await _reason(response)}")
            session = AsyncWebSocketSession(
                response.extensions["network_stream"],
                max_message_size_bytes=MAX_MESSAGE,
                keepalive_ping_interval_seconds=None,
                response=response,
            )
            async with session as ws:
                yield PodStream(ws, target)
    except (httpx.TransportError, HTTPXWSException) as exc:
        raise PortForwardError(f"port-forward to {target} failed: {exc!r}") from exc
    except BaseExceptionGroup as group:
        # The session's task group wraps whatever ends it; one error is re-raised as itself.
        leaves = _leaves(group)
        if len(leaves) != 1:
            raise
        if isinstance(leaves[0], httpx.TransportError | HTTPXWSException):
            raise PortForwardError(f"port-forward to {target} failed: {leaves[0]!r}") from leaves[0]
        raise leaves[0] from None


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    found: list[BaseException] = []
    for exc in group.exceptions:
        found += _leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc]
    return found


async def _reason(response: httpx.Response) -> str:
    """The status and the message of a refused upgrade (Kubernetes answers with a Status object)."""
    try:
        body = (await response.aread()).decode(errors="replace")
    except httpx.HTTPError:
        body = ""
    try:
        message = str(json.loads(body).get("message") or body)
    except (ValueError, AttributeError):
        message = body.strip()
    return f"HTTP {response.status_code}" + (f": {message}" if message else "")
