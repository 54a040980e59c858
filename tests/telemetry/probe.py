"""A stand-in OTLP/HTTP receiver for the tests of the exporter wiring: a real loopback socket that
records every request (method, path, headers, body) and answers 200, registered as an app host
service that hands out the real exporter variables (:func:`exporter_env`) with its own key and,
for containers, the port its gateway proxy listens on (``context.containers.expose``).

It lets the tests of the wiring run without the real receiver: what they check — which
variables a replica gets, that a container reaches a loopback port through the host alias, that
the key is masked — does not depend on decoding OTLP."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from starlette.routing import BaseRoute

from pyspire.extensions import (
    AppHostServiceContext,
    AppHostSetup,
    ContainerAccess,
    NoContainerAccess,
    TelemetryEnv,
)
from pyspire.model import Resource
from pyspire.telemetry.api_key import api_key_for
from pyspire.telemetry.exporter_env import ReceiverAddresses, exporter_env


@dataclass(frozen=True)
class ProbeRequest:
    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes


class ProbeReceiver:
    name = "probe-receiver"

    def __init__(self, setup: AppHostSetup) -> None:
        self.api_key = api_key_for(setup)  # the telemetry service's key, kept as it keeps it
        setup.redactor.add([self.api_key])
        self.requests: list[ProbeRequest] = []
        self.port = 0
        #: What ``context.containers.expose`` answered (None: the app runs no containers).
        self.container_port: int | None = None
        self.containers: ContainerAccess = NoContainerAccess()
        self._server: asyncio.Server | None = None
        self._arrived: asyncio.Condition | None = None

    def routes(self) -> Sequence[BaseRoute]:
        return []

    def telemetry_env(self) -> TelemetryEnv | None:
        def env(resource: Resource, suffix: str) -> Mapping[str, str]:
            addresses = ReceiverAddresses(
                self.port, self.port, self.containers.host_alias(), self.container_port, self.container_port
            )
            return exporter_env(resource, suffix, addresses, self.api_key)

        return env

    async def start(self, context: AppHostServiceContext) -> None:
        self._arrived = asyncio.Condition()
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        self.containers = context.containers
        self.container_port = context.containers.expose("probe", self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def next_request(self, timeout: float = 30) -> ProbeRequest:
        """The first request recorded (waiting for one)."""
        assert self._arrived is not None
        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(lambda: bool(self.requests))
        return self.requests[0]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            method, path, _ = head[0].split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            assert self._arrived is not None
            async with self._arrived:
                self.requests.append(ProbeRequest(method, path, headers, body))
                self._arrived.notify_all()
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()
