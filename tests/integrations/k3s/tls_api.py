"""A TLS listener that checks client certificates as the k3s API server does and answers the two
requests the cluster's health check makes (``/readyz``, ``/api/v1/nodes``): for the unit tests
of the client's TLS, credential and reuse rules. The cluster tests use the real control plane."""

from __future__ import annotations

import asyncio
import json
import ssl
import tempfile
from pathlib import Path

from tests.integrations.k3s.pki import Pki


def node(name: str, ready: bool = True) -> dict:
    return {"metadata": {"name": name}, "status": {"conditions": [{"type": "Ready", "status": str(ready)}]}}


class TlsApi:
    """``async with TlsApi(pki) as api``: listens on a loopback port (``api.port``)."""

    def __init__(self, pki: Pki, port: int = 0) -> None:
        self.nodes: list[dict] = [node("k8s")]
        self.connections = 0
        self.requests: list[str] = []
        self._pki = pki
        self._port = port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.sockets[0].getsockname()[1]

    def _context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory() as folder:
            bundle = Path(folder) / "server.pem"
            bundle.write_bytes(self._pki.server_key_pem + self._pki.server_cert_pem)
            context.load_cert_chain(bundle)
        context.load_verify_locations(cadata=self._pki.ca_pem.decode())
        context.verify_mode = ssl.CERT_REQUIRED
        return context

    async def __aenter__(self) -> TlsApi:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self._port, ssl=self._context())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1].decode()
                self.requests.append(path)
                if path == "/readyz":
                    body, kind = b"ok", "text/plain"
                else:
                    body, kind = json.dumps({"kind": "NodeList", "items": self.nodes}).encode(), "application/json"
                writer.write(
                    f"HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
