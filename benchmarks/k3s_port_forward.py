#!/usr/bin/env python3
"""Benchmark the k3s service endpoint against ``kubectl port-forward svc/<s>`` to the same Service.

One real control plane (the test image of tests/integrations/k3s/cluster.py: kube-apiserver, kwok),
one Deployment + Service whose pod kwok port-forwards to a real HTTP server on the host, and three
paths to that server, measured in the same run, interleaved:

- **direct**: the HTTP server itself (what port-forwarding adds is measured against it);
- **kubectl**: ``kubectl port-forward svc/<s> :80`` (host kubectl 1.36: a websocket tunnel to the
  API server, every connection a stream in it);
- **pyspire**: the endpoint of ``add_service_endpoint`` in a pyspire app host running in its own
  process (like kubectl: one ``SPDY/3.1+portforward.k8s.io`` websocket per pod, made with the
  cluster client's TLS settings, every connection a pair of SPDY streams in it).

Figures: throughput of one large download (``--mib``, default 256 MiB; MB/s), and for small
requests (``--requests``, default 300) the median and p95 time of ``GET /`` on a new connection
each, and on one kept-alive connection; each path's figure is printed with its ratio to kubectl's
(target: pyspire no slower than kubectl). Usage: ``.venv/bin/python benchmarks/k3s_port_forward.py``
(needs podman and the test images: ``bash scripts/kube-images.sh``).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "src")]

from benchmarks._common import machine_note  # noqa: E402
from tests.integrations.k3s.cluster import Cluster, podman, unique, wait_for  # noqa: E402
from tests.integrations.k3s.endpoint_fixtures import (  # noqa: E402
    HostHttpServer,
    apply,
    ready_pods,
    web_manifest,
)
from tests.integrations.k3s.tools import kubectl_binary  # noqa: E402

SERVICE = "bench-web"


# -- the pyspire app host (its own process) -----------------------------------------------------


def app_host_main(kubeconfig: str, report: Connection) -> None:
    asyncio.run(_app_host(kubeconfig, report))


async def _app_host(kubeconfig: str, report: Connection) -> None:
    from tests.integrations.k3s.endpoint_fixtures import (
        HarnessCluster,
        HarnessClusterBuilder,
        KubeconfigApi,
        harness_cluster_handler,
    )

    from pyspire import DistributedApplication, testing

    with tempfile.TemporaryDirectory() as folder:
        b = DistributedApplication.create_builder(app_dir=Path(folder))
        parent = HarnessClusterBuilder(b, HarnessCluster("dev"))
        parent.api = KubeconfigApi(Path(kubeconfig))
        b.add_resource(parent)
        parent.add_service_endpoint("web", SERVICE, 80, scheme="http")
        with harness_cluster_handler():
            async with testing.start(b) as app:
                await app.wait_for_healthy("web", timeout=60)
                report.send(int(app.endpoint_url("web", "http").rsplit(":", 1)[1]))
                await asyncio.get_running_loop().run_in_executor(None, report.recv)
                problems = [
                    line
                    for line in app.log_text("web").splitlines()
                    if "forwarding to" not in line and "port-forward tunnel to pod" not in line
                ]
                if len(problems) > 1:  # beyond "listening on"
                    print("endpoint log:", *problems[:20], sep="\n  ", file=sys.stderr)
        await parent.api.http.aclose()


# -- the client ---------------------------------------------------------------------------------


def _request(sock: socket.socket, path: str) -> int:
    """One HTTP/1.1 GET on ``sock``; returns the body size (read whole, by Content-Length)."""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: web\r\n\r\n".encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the headers")
        buf += chunk
    head, body = buf.split(b"\r\n\r\n", 1)
    match = re.search(rb"content-length:\s*(\d+)", head, re.IGNORECASE)
    assert match and head.startswith(b"HTTP/1.1 200"), head[:200]
    length, have = int(match.group(1)), len(body)
    scratch = bytearray(1 << 20)
    while have < length:
        n = sock.recv_into(scratch)
        if not n:
            raise ConnectionError(f"closed after {have} of {length} bytes")
        have += n
    return length


def _connect(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def throughput(port: int, mib: int) -> float:
    """MB/s of one ``mib`` MiB download."""
    with _connect(port) as sock:
        start = time.perf_counter()
        size = _request(sock, f"/bytes/{mib << 20}")
        return size / (time.perf_counter() - start) / 1e6


def new_connection_latency(port: int, n: int) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        with _connect(port) as sock:
            _request(sock, "/")
        times.append(time.perf_counter() - start)
    return times


def kept_alive_latency(port: int, n: int) -> list[float]:
    times = []
    with _connect(port) as sock:
        _request(sock, "/")
        for _ in range(n):
            start = time.perf_counter()
            _request(sock, "/")
            times.append(time.perf_counter() - start)
    return times


def p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95) - 1]


# -- kubectl port-forward -----------------------------------------------------------------------


def start_kubectl(kubeconfig: Path) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [kubectl_binary(), f"--kubeconfig={kubeconfig}", "port-forward", f"svc/{SERVICE}", ":80"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"Forwarding from 127\.0\.0\.1:(\d+)", line)
    if not match:
        proc.kill()
        raise RuntimeError(f"kubectl port-forward said: {line!r}")
    return proc, int(match.group(1))


# -- main ---------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()
    print(machine_note())
    network = unique("benchnet")
    podman("network", "create", network)
    proc: subprocess.Popen[str] | None = None
    host: mp.Process | None = None
    try:
        with Cluster(network, name=unique("bench")) as cluster, HostHttpServer("hello") as server:
            with tempfile.TemporaryDirectory() as folder:
                apply(cluster, web_manifest(SERVICE, server.port), Path(folder))
            wait_for("a ready pod", lambda: ready_pods(cluster, SERVICE), timeout=60)
            time.sleep(1.0)  # kwok's PortForward object follows the pod within 0.5 s
            parent, child = mp.Pipe()
            host = mp.get_context("spawn").Process(target=app_host_main, args=(str(cluster.kubeconfig_path), child))
            host.start()
            pyspire_port = parent.recv()
            proc, kubectl_port = start_kubectl(cluster.kubeconfig_path)
            paths = {"direct": server.port, "kubectl": kubectl_port, "pyspire": pyspire_port}
            for port in paths.values():  # warm up every path (a first connection, TLS sessions)
                new_connection_latency(port, 3)
            results: dict[str, dict[str, list[float]]] = {p: {"mbs": [], "new": [], "kept": []} for p in paths}
            for _ in range(args.trials):
                for name, port in paths.items():
                    print(f"  {name}: download, new connections, kept-alive", file=sys.stderr, flush=True)
                    results[name]["mbs"].append(throughput(port, args.mib))
                    results[name]["new"] += new_connection_latency(port, args.requests // args.trials)
                    results[name]["kept"] += kept_alive_latency(port, args.requests // args.trials)
            report(results)
            parent.send("stop")
            host.join(60)
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()
        if host is not None and host.is_alive():
            host.kill()
        podman("network", "rm", "-f", network, check=False)
    return 0


def report(results: dict[str, dict[str, list[float]]]) -> None:
    ref = results["kubectl"]
    ref_mbs = statistics.median(ref["mbs"])
    ref_new, ref_kept = statistics.median(ref["new"]), statistics.median(ref["kept"])
    print(f"{'path':8} {'MB/s':>8} {'vs kubectl':>10} {'new conn GET / ms (p95)':>26} {'vs kubectl':>10} "
          f"{'kept-alive GET / ms (p95)':>27} {'vs kubectl':>10}")  # fmt: skip
    for name, r in results.items():
        mbs, new, kept = statistics.median(r["mbs"]), statistics.median(r["new"]), statistics.median(r["kept"])
        print(
            f"{name:8} {mbs:8.1f} {mbs / ref_mbs:9.2f}x {new * 1e3:14.2f} ({p95(r['new']) * 1e3:7.2f}) "
            f"{new / ref_new:9.2f}x {kept * 1e3:15.2f} ({p95(r['kept']) * 1e3:7.2f}) {kept / ref_kept:9.2f}x"
        )
    direct_new, direct_kept = statistics.median(results["direct"]["new"]), statistics.median(results["direct"]["kept"])
    for name in ("kubectl", "pyspire"):
        r = results[name]
        print(
            f"added latency {name}: new connection {(statistics.median(r['new']) - direct_new) * 1e3:.2f} ms, "
            f"kept-alive {(statistics.median(r['kept']) - direct_kept) * 1e3:.2f} ms"
        )
    print("target: pyspire's throughput >= kubectl's, its added latency <= kubectl's")


if __name__ == "__main__":
    sys.exit(main())
