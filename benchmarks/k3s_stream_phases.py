#!/usr/bin/env python3
"""Where the time of a NEW port-forward stream goes: timestamps of each phase, with and without TLS resumption.

The endpoint used to open one ``v4.channel.k8s.io`` websocket per accepted connection
(:mod:`pyspire.integrations.k3s.pod_stream`, now its fallback), and ``benchmarks/k3s_port_forward.py``
showed a request on a new connection costing ~3x what it cost through ``kubectl port-forward``. This
splits one such stream's opening, against the real control plane (the test image, a kwok pod forwarded to a
host HTTP server), into: TCP connect to the API server, the TLS handshake (full, or resuming the
last session: ``tls_resumption``), the websocket upgrade (the API server authorises it, dials the
kubelet — here kwok — and sets up the stream), and the first request/answer through it. Then the
same for the SPDY tunnel the endpoint uses now (:mod:`pyspire.integrations.k3s.pod_tunnel`): the
tunnel's opening once, then for each new connection the pair of streams until the kubelet's reply,
and the first request/answer.
Usage: ``.venv/bin/python benchmarks/k3s_stream_phases.py [--streams 60]``.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "src")]

from benchmarks._common import machine_note  # noqa: E402
from tests.integrations.k3s.cluster import Cluster, podman, unique, wait_for  # noqa: E402
from tests.integrations.k3s.endpoint_fixtures import (  # noqa: E402
    HostHttpServer,
    KubeconfigApi,
    apply,
    ready_pods,
    web_manifest,
)
from wsproto import ConnectionType, WSConnection  # noqa: E402
from wsproto.events import BytesMessage, Request  # noqa: E402

from pyspire.integrations.k3s.pod_stream import PodPort, _handshake, portforward_path  # noqa: E402
from pyspire.integrations.k3s.pod_tunnel import open_tunnel  # noqa: E402
from pyspire.integrations.k3s.portforward import SUBPROTOCOL, encode_data  # noqa: E402
from pyspire.integrations.k3s.tls_resumption import remember_session, resumed, resuming  # noqa: E402

PHASES = ("tcp", "tls", "upgrade", "first GET", "total")


async def phases(api: KubeconfigApi, target: PodPort, n: int, resume: bool, tag: bytes) -> None:
    url = urlsplit(api.server_url)
    host, port = url.hostname or "127.0.0.1", int(url.port or 443)
    context = api.ssl_context()
    rows, reused = [], 0
    for _ in range(n):
        t0 = time.perf_counter()
        raw = socket.create_connection((host, port))
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        t1 = time.perf_counter()
        tls = resuming(context, host, port) if resume else context
        reader, writer = await asyncio.open_connection(sock=raw, ssl=tls, server_hostname=host)
        t2 = time.perf_counter()
        ws = WSConnection(ConnectionType.CLIENT)
        writer.write(ws.send(Request(host=url.netloc, target=portforward_path(target), subprotocols=[SUBPROTOCOL])))
        await _handshake(ws, reader, target)
        t3 = time.perf_counter()
        remember_session(context, host, port, writer.get_extra_info("ssl_object"))
        reused += resumed(writer.get_extra_info("ssl_object"))
        writer.write(ws.send(BytesMessage(data=encode_data(b"GET / HTTP/1.1\r\nHost: web\r\n\r\n"))))
        got = b""
        while tag not in got and (data := await reader.read(65536)):
            ws.receive_data(data)
            got += b"".join(bytes(e.data) for e in ws.events() if isinstance(e, BytesMessage))
        t4 = time.perf_counter()
        writer.close()
        rows.append((t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0))
    medians = "  ".join(f"{name} {statistics.median(r[i] for r in rows) * 1e3:6.2f}" for i, name in enumerate(PHASES))
    print(f"resume={'yes' if resume else 'no ':3} (resumed {reused}/{n})  median ms: {medians}")


async def tunnel_phases(api: KubeconfigApi, target: PodPort, n: int, tag: bytes) -> None:
    """One tunnel, then ``n`` connections in it one after another: stream pair answered, first GET."""
    t0 = time.perf_counter()
    tunnel = await open_tunnel(api, target, "phases")
    opened = time.perf_counter() - t0
    rows = []
    try:
        for _ in range(n):
            t0 = time.perf_counter()
            stream = await tunnel.open_stream(target)
            t1 = time.perf_counter()
            await stream.write(b"GET / HTTP/1.1\r\nHost: web\r\n\r\n")
            got = b""
            while tag not in got and (data := await stream.read()):
                got += data
            t2 = time.perf_counter()
            stream.close()
            rows.append((t1 - t0, t2 - t1, t2 - t0))
    finally:
        await tunnel.close()
    medians = "  ".join(
        f"{name} {statistics.median(r[i] for r in rows) * 1e3:6.2f}"
        for i, name in enumerate(("streams answered", "first GET", "total"))
    )
    print(f"tunnel: opened in {opened * 1e3:.2f} ms; per connection, median ms: {medians}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=60)
    args = parser.parse_args()
    print(machine_note())
    network = unique("phasesnet")
    podman("network", "create", network)
    try:
        with Cluster(network, name=unique("phases")) as cluster, HostHttpServer("hello") as server:
            with tempfile.TemporaryDirectory() as folder:
                apply(cluster, web_manifest("phases-web", server.port), Path(folder))
            pod = wait_for("a ready pod", lambda: ready_pods(cluster, "phases-web"), timeout=60)[0]
            time.sleep(1.0)  # kwok's PortForward object follows the pod within 0.5 s

            async def run() -> None:
                api = KubeconfigApi(cluster.kubeconfig_path)
                target = PodPort("default", pod, 8080)
                await phases(api, target, 5, False, b"hello")  # warm up
                for resume in (False, True, False, True):
                    await phases(api, target, args.streams, resume, b"hello")
                for _ in range(2):
                    await tunnel_phases(api, target, args.streams, b"hello")
                await api.http.aclose()

            asyncio.run(run())
    finally:
        podman("network", "rm", "-f", network, check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
