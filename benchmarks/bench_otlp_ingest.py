#!/usr/bin/env python3
"""Benchmark the OTLP receiver: spans per second in over OTLP/HTTP (protobuf) and gRPC, against
the floor any Python receiver pays (parse each batch and walk every span), measured in the same run.

Payloads: batches of ``--spans`` (512) realistic spans — 10 attributes (strings and numbers, as an
HTTP server instrumentation sends), one event, a parent — from one resource; ``--distinct`` (8)
different batches sent round-robin. Senders are separate processes (``--senders``, 4), each one
connection sending its share back-to-back, so the receiver's process has its GIL to itself.

1. **floor** (reference): ``ExportTraceServiceRequest.FromString`` + reading every span's ids,
   name and times, in a loop in this process.
2. **decode**: what the receiver's decoding thread does per batch (parse + records), in a loop.
3. **http** / **grpc**: the receiver (``OtlpReceiver``, started in this process), from the moment
   every sender is connected and told to go until the sink has been handed every span.
   The queue is made large here so no batch is dropped (drops are still counted and printed).
4. **start()**: how long ``OtlpReceiver.start()`` takes and the longest the caller's event loop
   went without running (a 1 ms ticker) meanwhile — what the app host's loop pays.
5. **proxy**: an app host (``pyspire.testing``) with one proxied executable and the receiver in
   its process (the app host's telemetry service is wired by another part of issue 13, so the
   receiver is driven directly here); request latency through the proxy without and during a
   flood of OTLP/HTTP spans from the senders.

Targets: receiver ≥ 0.5× the floor and ≥ 20,000 spans/s. Usage: ``.venv/bin/python
benchmarks/bench_otlp_ingest.py`` (~1 min). Exits non-zero when spans went missing.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, machine_note  # noqa: E402

API_KEY = "bench-otlp-key"
SERVICE = "api"
SUFFIX = "bcdefghj"


# -- payloads ------------------------------------------------------------------------------------


def make_payloads(count: int, spans: int) -> list[bytes]:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
    from opentelemetry.proto.resource.v1.resource_pb2 import Resource
    from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

    rng = random.Random(13)

    def s(key: str, value: str) -> KeyValue:
        return KeyValue(key=key, value=AnyValue(string_value=value))

    def i(key: str, value: int) -> KeyValue:
        return KeyValue(key=key, value=AnyValue(int_value=value))

    resource = Resource(
        attributes=[
            s("service.name", SERVICE),
            s("service.instance.id", SUFFIX),
            s("telemetry.sdk.language", "python"),
            s("telemetry.sdk.name", "opentelemetry"),
            s("telemetry.sdk.version", "1.45.2"),
        ]
    )
    payloads = []
    now = time.time_ns()
    for _ in range(count):
        items = []
        for n in range(spans):
            start = now + n * 1_000_000
            route = rng.choice(["/orders", "/orders/{id}", "/health", "/catalog/items"])
            items.append(
                Span(
                    trace_id=rng.randbytes(16),
                    span_id=rng.randbytes(8),
                    parent_span_id=rng.randbytes(8),
                    name=f"GET {route}",
                    kind=Span.SPAN_KIND_SERVER,
                    start_time_unix_nano=start,
                    end_time_unix_nano=start + rng.randrange(100_000, 50_000_000),
                    attributes=[
                        s("http.request.method", "GET"),
                        s("http.route", route),
                        s("url.path", route.replace("{id}", str(rng.randrange(1000)))),
                        s("url.scheme", "http"),
                        s("server.address", "localhost"),
                        i("server.port", 8000),
                        s("network.protocol.version", "1.1"),
                        s("user_agent.original", "python-httpx/0.28.1"),
                        i("http.response.status_code", rng.choice([200, 200, 200, 404, 500])),
                        s("client.address", "127.0.0.1"),
                    ],
                    events=[Span.Event(name="request.received", time_unix_nano=start + 1000, attributes=[i("bytes", 512)])],
                    status=Status(code=Status.STATUS_CODE_UNSET),
                )
            )
        request = ExportTraceServiceRequest(
            resource_spans=[
                ResourceSpans(
                    resource=resource,
                    scope_spans=[ScopeSpans(scope=InstrumentationScope(name="opentelemetry.instrumentation.fastapi"), spans=items)],
                )
            ]
        )
        payloads.append(request.SerializeToString())
    return payloads


def write_payloads(payloads: Sequence[bytes], path: Path) -> None:
    with path.open("wb") as f:
        for p in payloads:
            f.write(struct.pack(">I", len(p)))
            f.write(p)


def read_payloads(path: Path) -> list[bytes]:
    data = path.read_bytes()
    out, offset = [], 0
    while offset < len(data):
        (size,) = struct.unpack_from(">I", data, offset)
        out.append(data[offset + 4 : offset + 4 + size])
        offset += 4 + size
    return out


# -- the sender (a subprocess: python bench_otlp_ingest.py --sender ...) -------------------------------


def sender_main(args: argparse.Namespace) -> None:
    payloads = read_payloads(Path(args.payloads))
    if args.sender == "http":
        import http.client

        host, port = args.url.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port))
        headers = {"content-type": "application/x-protobuf", "x-otlp-api-key": API_KEY}

        def send(body: bytes) -> None:
            conn.request("POST", "/v1/traces", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"http export answered {response.status}")

    else:
        import grpc

        channel = grpc.insecure_channel(args.url.removeprefix("http://"))
        export = channel.unary_unary("/opentelemetry.proto.collector.trace.v1.TraceService/Export")
        metadata = (("x-otlp-api-key", API_KEY),)

        def send(body: bytes) -> None:
            export(body, metadata=metadata, timeout=30)

    send(b"")  # connected (an empty export stores nothing)
    print("ready", flush=True)
    sys.stdin.readline()
    deadline = time.monotonic() + args.seconds if args.seconds else None
    sent = 0
    while (deadline is not None and time.monotonic() < deadline) or (deadline is None and sent < args.batches):
        send(payloads[sent % len(payloads)])
        sent += 1
    print(f"sent {sent}", flush=True)


class Senders:
    """``count`` sender processes, connected and waiting for the word to go."""

    def __init__(self, count: int, protocol: str, url: str, payloads: Path, batches: int = 0, seconds: float = 0) -> None:
        command = [
            sys.executable, __file__, "--sender", protocol, "--url", url, "--payloads", str(payloads),
            "--batches", str(batches), "--seconds", str(seconds),
        ]  # fmt: skip
        self.procs = [
            subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for _ in range(count)
        ]
        for proc in self.procs:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            if line.strip() != "ready":
                raise SystemExit(f"a sender did not connect: {line!r}")

    def go(self) -> None:
        for proc in self.procs:
            proc.stdin.write("go\n")  # type: ignore[union-attr]
            proc.stdin.flush()  # type: ignore[union-attr]

    def wait(self) -> int:
        sent = 0
        for proc in self.procs:
            out = proc.stdout.read()  # type: ignore[union-attr]
            proc.wait(60)
            sent += int(out.split()[-1])
        return sent


# -- measurements --------------------------------------------------------------------------------------


def floor_rate(payloads: Sequence[bytes], rounds: int) -> float:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    spans = 0
    started = time.perf_counter()
    for n in range(rounds):
        request = ExportTraceServiceRequest.FromString(payloads[n % len(payloads)])
        for rs in request.resource_spans:
            for ss in rs.scope_spans:
                for span in ss.spans:
                    walked = (
                        span.trace_id.hex(), span.span_id.hex(), span.parent_span_id.hex(),
                        span.name, span.start_time_unix_nano, span.end_time_unix_nano,
                    )  # fmt: skip
                    spans += len(walked) // 6
    return spans / (time.perf_counter() - started)


def decode_rate(payloads: Sequence[bytes], rounds: int, tmp: Path) -> float:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    from pyspire.telemetry.origins import OriginResolver
    from pyspire.telemetry.otlp_attributes import AttributeLimits
    from pyspire.telemetry.otlp_decode import Decoder

    limits = AttributeLimits(128, 4096)
    decoder = Decoder(OriginResolver(setup(tmp).model, limits), limits, 128)
    decoder.spans(ExportTraceServiceRequest.FromString(payloads[0]))  # warm
    spans = 0
    started = time.perf_counter()
    for n in range(rounds):
        spans += len(decoder.spans(ExportTraceServiceRequest.FromString(payloads[n % len(payloads)])))
    return spans / (time.perf_counter() - started)


def setup(tmp: Path):  # type: ignore[no-untyped-def]
    from pyspire.extensions import AppHostSetup
    from pyspire.model.builder import AppModelBuilder
    from pyspire.orchestrator.redaction import Redactor

    builder = AppModelBuilder(app_dir=tmp)
    builder.add_executable(SERVICE, sys.executable, ".", "-c", "pass")
    return AppHostSetup(builder.build_model(), tmp, tmp / ".pyspire", "bench", {}, Redactor())


class CountingSink:
    def __init__(self) -> None:
        self.spans = 0
        self.dropped = 0
        self.target = 0
        self.reached = threading.Event()

    def add_spans(self, spans: Sequence[object]) -> None:
        self.spans += len(spans)
        if self.target and self.spans + self.dropped >= self.target:
            self.reached.set()

    def add_logs(self, logs: Sequence[object]) -> None:
        pass

    def add_metric_points(self, points: Sequence[object]) -> None:
        pass

    def note_dropped(self, kind: str, count: int) -> None:
        self.dropped += count
        if self.target and self.spans + self.dropped >= self.target:
            self.reached.set()


async def receiver_rate(protocol: str, args: argparse.Namespace, payloads: Path, tmp: Path) -> tuple[float, int]:
    from pyspire.telemetry.receiver import OtlpReceiver
    from pyspire.telemetry.settings import TelemetrySettings

    sink = CountingSink()
    receiver = OtlpReceiver(sink, TelemetrySettings(max_queued_batches=100_000), API_KEY, setup(tmp))  # type: ignore[arg-type]
    await receiver.start()
    try:
        url = receiver.endpoints.http_url if protocol == "http" else receiver.endpoints.grpc_url
        senders = await asyncio.to_thread(Senders, args.senders, protocol, url, payloads, args.batches)
        sink.target = args.senders * args.batches * args.spans
        started = time.perf_counter()
        senders.go()
        await asyncio.to_thread(sink.reached.wait, 120)
        elapsed = time.perf_counter() - started
        await asyncio.to_thread(senders.wait)
        if sink.spans + sink.dropped != sink.target:
            raise SystemExit(f"{protocol}: {sink.target - sink.spans - sink.dropped} spans went missing")
        return sink.spans / elapsed, sink.dropped
    finally:
        await receiver.stop()


async def start_cost(tmp: Path) -> tuple[float, float, float]:
    """(start() seconds, longest loop stall during it, longest stall of a quiet loop) — the same ticker."""
    from pyspire.telemetry.receiver import OtlpReceiver
    from pyspire.telemetry.settings import TelemetrySettings

    async def longest_stall(during: asyncio.Future[object] | None, seconds: float = 0.3) -> float:
        worst, last = 0.0, time.perf_counter()
        end = last + seconds
        while (during is not None and not during.done()) or (during is None and time.perf_counter() < end):
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            worst, last = max(worst, now - last), now
        return worst

    quiet = await longest_stall(None)
    receiver = OtlpReceiver(CountingSink(), TelemetrySettings(), API_KEY, setup(tmp))  # type: ignore[arg-type]
    started = time.perf_counter()
    task = asyncio.ensure_future(receiver.start())
    stall = await longest_stall(task)
    await task
    elapsed = time.perf_counter() - started
    await receiver.stop()
    return elapsed, stall, quiet


def latency_client(url: str, requests: int) -> list[float]:
    import http.client

    host, port = url.removeprefix("http://").split(":")
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request("GET", "/")
        conn.getresponse().read()
        conn.close()
        times.append(time.perf_counter() - started)
    return times


async def proxy_latency(args: argparse.Namespace, payloads: Path, tmp: Path) -> dict[str, list[float]]:
    from pyspire import DistributedApplication, testing
    from pyspire.extensions import AppHostSetup
    from pyspire.orchestrator.redaction import Redactor
    from pyspire.telemetry.receiver import OtlpReceiver
    from pyspire.telemetry.settings import TelemetrySettings

    builder = DistributedApplication.create_builder(app_dir=tmp)
    builder.add_executable("web", sys.executable, REPO / "tests" / "apps", "http_env.py").with_http_endpoint(env="PORT")
    results: dict[str, list[float]] = {}
    async with testing.start(builder) as app:
        await app.wait_for_resource("web")
        url = app.endpoint_url("web")
        sink = CountingSink()
        model_setup = AppHostSetup(builder.build_model(), tmp, tmp / ".pyspire", "bench", {}, Redactor())
        receiver = OtlpReceiver(sink, TelemetrySettings(), API_KEY, model_setup)  # type: ignore[arg-type]
        await receiver.start()
        try:
            await asyncio.to_thread(latency_client, url, 50)  # warm up
            results["without"] = await asyncio.to_thread(latency_client, url, args.round_trips)
            senders = await asyncio.to_thread(
                Senders, args.senders, "http", receiver.endpoints.http_url, payloads, 0, args.flood_seconds
            )
            senders.go()
            await asyncio.sleep(0.5)
            results["during"] = await asyncio.to_thread(latency_client, url, args.round_trips)
            sent = await asyncio.to_thread(senders.wait)
            await asyncio.sleep(0.5)
            results["flood"] = [float(sent * args.spans), float(sink.spans), float(sink.dropped)]
        finally:
            await receiver.stop()
    return results


def ms(values: Sequence[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"median {statistics.median(ordered) * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms"


async def main(args: argparse.Namespace) -> int:
    print(f"# OTLP ingest: batches of {args.spans} spans, {args.senders} senders — {machine_note()}")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        payloads = make_payloads(args.distinct, args.spans)
        payload_file = tmp / "payloads.bin"
        write_payloads(payloads, payload_file)
        print(f"payload: {len(payloads[0]) / 1024:.0f} KiB per batch")
        if not args.only_proxy:
            rows: dict[str, list[float]] = {"floor": [], "decode": [], "http": [], "grpc": []}
            drops = 0
            for _ in range(args.trials):
                rows["floor"].append(floor_rate(payloads, 40))
                rows["decode"].append(decode_rate(payloads, 20, tmp))
                for protocol in ("http", "grpc"):
                    rate, dropped = await receiver_rate(protocol, args, payload_file, tmp)
                    rows[protocol].append(rate)
                    drops += dropped
            floor = statistics.median(rows["floor"])
            print(f"{'path':<8} {'spans/s (median)':>18} {'× floor':>9}   trials")
            for name, values in rows.items():
                rate = statistics.median(values)
                trials = ", ".join(f"{v:,.0f}" for v in values)
                print(f"{name:<8} {rate:>18,.0f} {rate / floor:>9.2f}   {trials}")
            for protocol in ("http", "grpc"):
                rate = statistics.median(rows[protocol])
                absolute = "met" if rate >= 20_000 else "MISSED"
                relative = "met" if rate >= 0.5 * floor else "MISSED"
                print(
                    f"target {protocol}: ≥ 20,000 spans/s {absolute}; ≥ 0.5× floor {relative} ({rate / floor:.2f}×)"
                )
            print(f"dropped during the throughput runs: {drops} spans")

        # In a fresh interpreter: grpc and protobuf are not imported yet, as in an app host.
        out = subprocess.run([sys.executable, __file__, "--start-cost"], capture_output=True, text=True, check=True)
        elapsed, stall, quiet = (float(v) for v in out.stdout.split())
        print(
            f"start(): {elapsed * 1000:.1f} ms until both listeners serve; the caller's loop stalled at most "
            f"{stall * 1000:.1f} ms meanwhile (a quiet loop: {quiet * 1000:.1f} ms)"
        )
        if not args.no_proxy:
            results = await proxy_latency(args, payload_file, tmp / "app")
            sent, stored, dropped = results["flood"]
            print(f"proxy, without flood: {ms(results['without'])}")
            print(f"proxy, during flood:  {ms(results['during'])}")
            print(
                f"proxy added latency during the flood: ×{statistics.median(results['during']) / statistics.median(results['without']):.2f} "
                f"median; flood {sent:,.0f} spans sent, {stored:,.0f} stored, {dropped:,.0f} dropped (queue of 64 batches)"
            )
    return 0


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spans", type=int, default=512)
    parser.add_argument("--distinct", type=int, default=8)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--batches", type=int, default=25, help="batches per sender per run")
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--round-trips", type=int, default=300)
    parser.add_argument("--flood-seconds", type=float, default=6.0)
    parser.add_argument("--no-proxy", action="store_true")
    parser.add_argument("--only-proxy", action="store_true")
    parser.add_argument("--start-cost", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sender", choices=["http", "grpc"])
    parser.add_argument("--url")
    parser.add_argument("--payloads")
    parser.add_argument("--seconds", type=float, default=0)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse()
    if arguments.sender:
        sender_main(arguments)
    elif arguments.start_cost:
        with tempfile.TemporaryDirectory() as start_folder:
            print(*asyncio.run(start_cost(Path(start_folder))))
    else:
        sys.exit(asyncio.run(main(arguments)))
