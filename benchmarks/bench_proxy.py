#!/usr/bin/env python3
"""Benchmark pyspire's TCP proxy against a direct connection and nginx's stream proxy, on loopback.

Measures, for each path (direct, pyspire ProxyHub, nginx stream):

1. bulk throughput: the client streams ``--bytes`` (default 2 GiB) into a sink server;
2. request/response latency: ``--round-trips`` (default 20,000) round trips of ``--payload``
   (default 64) bytes to an echo server, reporting the median and the 99th percentile.

Each piece runs in its own process: the servers in one, the pyspire proxy in another (so its GIL is
contended by nothing but the proxy), nginx as a subprocess, and the load client in this process.
Every path is measured ``--trials`` times, interleaved, so drift on the machine hits all paths alike.

Usage: ``python benchmarks/bench_proxy.py`` (install nginx first with ``benchmarks/setup_nginx.sh``;
without nginx the script still compares direct and pyspire).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

HOST = "127.0.0.1"
CHUNK = 1 << 20
NGINX_STREAM_MODULE = Path("/usr/lib/nginx/modules/ngx_stream_module.so")


# -- servers (run in their own process) ---------------------------------------------------------


def _serve_forever(listener: socket.socket, handler: Callable[[socket.socket], None]) -> None:
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handler, args=(conn,), daemon=True).start()


def _sink(conn: socket.socket) -> None:
    """Read until EOF, then answer with the byte count (8 bytes, big-endian)."""
    buf = bytearray(CHUNK)
    total = 0
    with conn:
        while n := conn.recv_into(buf):
            total += n
        conn.sendall(total.to_bytes(8, "big"))


def _echo(conn: socket.socket) -> None:
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    with conn:
        while data := conn.recv(65536):
            conn.sendall(data)


def servers_main(report: Connection) -> None:
    """Start the sink and echo servers, report their ports, serve until killed."""
    ports = []
    for handler in (_sink, _echo):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, 0))
        listener.listen(128)
        ports.append(listener.getsockname()[1])
        threading.Thread(target=_serve_forever, args=(listener, handler), daemon=True).start()
    report.send(ports)
    threading.Event().wait()


# -- the pyspire proxy (runs in its own process) ------------------------------------------------


def pyspire_main(report: Connection, backends: list[int]) -> None:
    """Open one ProxyHub TCP proxy per backend port, report the listen ports, run until told."""
    import asyncio

    _import_pyspire()
    from pyspire.proxy import Backend, ProxyHub

    hub = ProxyHub()

    async def open_all() -> list[int]:
        ports = []
        for i, backend_port in enumerate(backends):
            name = f"bench{i}"
            ports.append(await hub.open(name, "tcp", HOST, 0))
            hub.set_backends(name, [Backend(HOST, backend_port)])
        return ports

    report.send(asyncio.run(open_all()))
    report.recv()  # blocks (GIL released) until the benchmark is done
    hub.close()


def _import_pyspire() -> None:
    try:
        import pyspire.proxy  # noqa: F401
    except ImportError:  # running from a checkout without `pip install -e .`
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))


# -- nginx ----------------------------------------------------------------------------------------


class Nginx:
    """nginx's stream proxy with its own config, error log and pid file in a temp dir."""

    def __init__(self, binary: str, backends: list[int]) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="pyspire-bench-nginx-"))
        self.ports = [_free_port() for _ in backends]
        servers = "\n".join(
            f"        server {{ listen {HOST}:{p}; proxy_pass {HOST}:{b}; }}"
            for p, b in zip(self.ports, backends, strict=True)
        )
        load = f"load_module {NGINX_STREAM_MODULE};\n" if _stream_is_dynamic(binary) else ""
        (self.dir / "nginx.conf").write_text(
            f"""{load}worker_processes 1;
daemon off;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log warn;
events {{ worker_connections 1024; }}
stream {{
    # The sink protocol needs half-close: the client's FIN must not tear down the reply path.
    proxy_half_close on;
{servers}
}}
"""
        )
        self.proc = subprocess.Popen(
            [
                binary,
                "-p",
                str(self.dir),
                "-c",
                str(self.dir / "nginx.conf"),
                "-e",
                str(self.dir / "error.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            for port in self.ports:
                _wait_listening(port, self.proc)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: fast shutdown of master and worker
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def _stream_is_dynamic(binary: str) -> bool:
    out = subprocess.run([binary, "-V"], capture_output=True, text=True).stderr
    return "--with-stream=dynamic" in out and NGINX_STREAM_MODULE.exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _wait_listening(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"nginx exited with {proc.returncode}: {err}")
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"nginx did not listen on {port}")


# -- the load client (this process) ---------------------------------------------------------------


def measure_throughput(port: int, total: int) -> float:
    """Stream ``total`` bytes into the sink via ``port``; returns MB/s (10^6 bytes per second)."""
    payload = memoryview(os.urandom(CHUNK))
    with socket.create_connection((HOST, port)) as s:
        start = time.perf_counter()
        remaining = total
        while remaining:
            remaining -= s.send(payload[: min(remaining, CHUNK)])
        s.shutdown(socket.SHUT_WR)
        ack = b""
        while len(ack) < 8:
            more = s.recv(8 - len(ack))
            if not more:
                raise RuntimeError("sink closed without acknowledging")
            ack += more
        elapsed = time.perf_counter() - start
    if int.from_bytes(ack, "big") != total:
        raise RuntimeError(f"sink received {int.from_bytes(ack, 'big')} of {total} bytes")
    return total / elapsed / 1e6


class EchoClient:
    """A persistent connection to the echo server that times round trips of one message."""

    def __init__(self, port: int, payload: int) -> None:
        self.sock = socket.create_connection((HOST, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.message = b"x" * payload
        self.samples: list[float] = []
        self.round_trips(500, record=False)  # warm up caches and the path

    def round_trips(self, count: int, record: bool = True) -> None:
        """Do ``count`` round trips, recording each one's time in microseconds."""
        sock, message, size = self.sock, self.message, len(self.message)
        clock = time.perf_counter_ns
        append = self.samples.append
        for _ in range(count):
            t0 = clock()
            sock.sendall(message)
            got = 0
            while got < size:
                chunk = sock.recv(size - got)
                if not chunk:
                    raise RuntimeError("echo server closed")
                got += len(chunk)
            if record:
                append((clock() - t0) / 1000)

    def close(self) -> None:
        self.sock.close()


def measure_latency(
    ports: dict[str, int], round_trips: int, payload: int, block: int = 250
) -> dict[str, list[float]]:
    """Round-trip times (microseconds) per path, measured in alternating blocks of ``block``.

    Interleaving finely matters on virtual machines, where wake-up latency drifts by tens of
    microseconds from one second to the next: every path sees the same conditions.
    """
    clients = {name: EchoClient(port, payload) for name, port in ports.items()}
    try:
        done = 0
        while done < round_trips:
            count = min(block, round_trips - done)
            for client in clients.values():
                client.round_trips(count)
            done += count
    finally:
        for client in clients.values():
            client.close()
    return {name: client.samples for name, client in clients.items()}


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- orchestration ----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bytes", type=int, default=2 << 30, help="bytes per throughput run (2 GiB)")
    parser.add_argument("--round-trips", type=int, default=20_000, help="round trips per latency run")
    parser.add_argument("--payload", type=int, default=64, help="bytes per request and response")
    parser.add_argument("--trials", type=int, default=3, help="runs per path (medians over all are shown)")
    parser.add_argument(
        "--pin-cpu",
        type=int,
        metavar="N",
        help="run every process on CPU N: latency then measures CPU cost alone, without the "
        "cross-CPU wake-ups that dominate (and scatter) round trips on virtual machines",
    )
    args = parser.parse_args()
    if args.pin_cpu is not None:
        os.sched_setaffinity(0, {args.pin_cpu})  # inherited by the servers, the proxy and nginx
    load = os.getloadavg()[0]
    if load > 0.5:
        print(f"warning: the machine is not idle (load average {load:.1f}); figures will be noisy\n")

    ctx = mp.get_context("spawn")
    cleanups: list[Callable[[], None]] = []
    try:
        parent, child = ctx.Pipe()
        servers = ctx.Process(target=servers_main, args=(child,), daemon=True)
        servers.start()

        def stop_servers() -> None:
            servers.terminate()
            servers.join()

        cleanups.append(stop_servers)
        sink_port, echo_port = parent.recv()
        paths: dict[str, tuple[int, int]] = {"direct": (sink_port, echo_port)}

        proxy_parent, proxy_child = ctx.Pipe()
        proxy = ctx.Process(target=pyspire_main, args=(proxy_child, [sink_port, echo_port]), daemon=True)
        proxy.start()

        def stop_proxy() -> None:
            proxy_parent.send("stop")
            proxy.join(10)
            if proxy.is_alive():
                proxy.terminate()

        cleanups.append(stop_proxy)
        ports = proxy_parent.recv()
        paths["pyspire"] = (ports[0], ports[1])

        binary = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
        if binary is None:
            print("nginx not found: install it with `sudo bash benchmarks/setup_nginx.sh`", file=sys.stderr)
            print("(apt-get install nginx libnginx-mod-stream); comparing direct and pyspire only.\n")
        else:
            nginx = Nginx(binary, [sink_port, echo_port])
            cleanups.append(nginx.stop)
            paths["nginx"] = (nginx.ports[0], nginx.ports[1])

        cpus = f"pinned to CPU {args.pin_cpu}" if args.pin_cpu is not None else f"{os.cpu_count()} CPUs"
        print(
            f"loopback, {cpus}, Python {sys.version.split()[0]}; "
            f"{args.trials} trials x {args.bytes / 2**30:.2f} GiB bulk and "
            f"{args.round_trips} round trips of {args.payload} B per path\n"
        )
        throughput: dict[str, list[float]] = {name: [] for name in paths}
        latency: dict[str, list[float]] = {name: [] for name in paths}
        for trial in range(args.trials):
            line = [f"  trial {trial + 1} throughput:"]
            for name, (bulk_port, _echo) in paths.items():
                mbps = measure_throughput(bulk_port, args.bytes)
                throughput[name].append(mbps)
                line.append(f"{name} {mbps:.0f} MB/s")
            print("  ".join(line))
        echo_ports = {name: echo for name, (_bulk, echo) in paths.items()}
        for trial in range(args.trials):
            samples = measure_latency(echo_ports, args.round_trips, args.payload)
            line = [f"  trial {trial + 1} median RTT:"]
            for name, values in samples.items():
                latency[name].extend(values)
                line.append(f"{name} {statistics.median(values):.1f} us")
            print("  ".join(line))
        report(throughput, latency)
    finally:
        for cleanup in reversed(cleanups):
            try:
                cleanup()
            except Exception as exc:  # keep cleaning up the rest
                print(f"cleanup failed: {exc!r}", file=sys.stderr)
    return 0


def report(throughput: dict[str, list[float]], latency: dict[str, list[float]]) -> None:
    tp = {name: statistics.median(v) for name, v in throughput.items()}
    med = {name: statistics.median(v) for name, v in latency.items()}
    p99 = {name: percentile(v, 0.99) for name, v in latency.items()}
    print(f"\n{'path':10s} {'throughput':>14s} {'median RTT':>12s} {'p99 RTT':>10s}")
    for name in tp:
        print(f"{name:10s} {tp[name]:9.0f} MB/s {med[name]:9.1f} us {p99[name]:7.1f} us")
    print()
    print(f"throughput pyspire/direct: {tp['pyspire'] / tp['direct']:.2f}")
    if "nginx" in tp:
        print(f"throughput nginx/direct:   {tp['nginx'] / tp['direct']:.2f}")
        print(f"throughput pyspire/nginx:  {tp['pyspire'] / tp['nginx']:.2f}")
    for name in ("pyspire", "nginx"):
        if name in med:
            print(
                f"added latency {name:8s} median {med[name] - med['direct']:+6.1f} us   "
                f"p99 {p99[name] - p99['direct']:+6.1f} us"
            )
    if "nginx" in tp:
        ok_tp = tp["pyspire"] >= tp["nginx"]
        ok_lat = med["pyspire"] - med["direct"] <= med["nginx"] - med["direct"]
        print(
            f"\ntargets: throughput >= nginx: {'met' if ok_tp else 'NOT met'}; "
            f"added median latency <= nginx: {'met' if ok_lat else 'NOT met'}"
        )


if __name__ == "__main__":
    sys.exit(main())
