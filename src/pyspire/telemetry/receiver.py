"""The OTLP receiver: gRPC and HTTP listeners on a thread of its own, decoding on another.

The app host's event loop runs the proxies, the control API and the log capture; a flood of
telemetry must not slow any of them. So the receiver never runs on that loop: :meth:`start`
starts a thread with its own asyncio loop, which imports grpc and protobuf (heavy imports),
binds both listeners on 127.0.0.1 and reports their ports back — the app host's loop only waits
on a future. The listeners check the key, parse the body and put the request on a bounded queue
(:mod:`pyspire.telemetry.otlp_queue`); one decoding thread turns requests into records
(:mod:`pyspire.telemetry.otlp_decode`) and writes them to the sink. :meth:`stop` stops both
listeners, lets the decoding thread finish what was already received (what replicas flushed on
their way out), and joins both threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyspire.extensions.app_host_services import AppHostSetup
from pyspire.telemetry.queries import TelemetrySink
from pyspire.telemetry.settings import TelemetrySettings

#: How long stop() lets the listeners finish requests in flight.
STOP_GRACE_SECONDS = 1.0
#: What the decoding thread sleeps between slices of a batch (every PAUSE_EVERY spans, ~0.5 ms of
#: work): long enough that a waiting thread really gets the GIL (``sleep(0)`` often hands it
#: straight back), short enough to cost the decoder ~15% when nothing else waits
#: (bench_otlp_ingest.py measures both sides).
PAUSE_SECONDS = 0.0001
#: How long stop() waits for the decoding thread to drain the queue.
DRAIN_SECONDS = 10.0


@dataclass(frozen=True)
class OtlpEndpoints:
    """Where the receiver listens (loopback), once started."""

    grpc_port: int
    http_port: int

    @property
    def grpc_url(self) -> str:
        return f"http://127.0.0.1:{self.grpc_port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"


@dataclass
class ReceiverCounts:
    """What the receiver did since start (for tests and benchmarks)."""

    decoded_batches: int = 0
    dropped_batches: int = 0
    failed_batches: int = 0
    queued_batches: int = 0


def _yield_gil() -> None:
    """Let another thread take the GIL now (the app host's loop, if it waits for it), rather than
    after the interpreter's switch interval (5 ms): a flood of spans is decoded in slices, so a
    proxied request waits for a slice, not for several 5 ms switch intervals."""
    time.sleep(PAUSE_SECONDS)


class OtlpReceiver:
    """Accepts OTLP over gRPC and HTTP (protobuf and JSON) with the run's API key, decodes off
    the app host's event loop and writes into ``sink``."""

    def __init__(self, sink: TelemetrySink, settings: TelemetrySettings, api_key: str, setup: AppHostSetup) -> None:
        self.sink = sink
        self.settings = settings
        self.api_key = api_key
        self.setup = setup
        self._endpoints: OtlpEndpoints | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        #: Set when start() gave up (failed or cancelled): the thread does not wait to be stopped.
        self._abandoned = threading.Event()
        # Set on the receiver's thread once it runs (typed loosely: their modules load there).
        self._queue: Any = None
        self._worker: Any = None

    @property
    def endpoints(self) -> OtlpEndpoints:
        if self._endpoints is None:
            raise RuntimeError("the OTLP receiver has not started")
        return self._endpoints

    def counts(self) -> ReceiverCounts:
        if self._queue is None or self._worker is None:
            return ReceiverCounts()
        return ReceiverCounts(
            decoded_batches=self._worker.decoded,
            dropped_batches=self._queue.dropped_batches,
            failed_batches=self._worker.failed,
            queued_batches=len(self._queue),
        )

    async def start(self) -> None:
        """Returns once both listeners are bound and serving; raises what stopped them."""
        if self._thread is not None:
            raise RuntimeError("the OTLP receiver is already started")
        caller = asyncio.get_running_loop()
        ready: asyncio.Future[OtlpEndpoints] = caller.create_future()

        def report(result: OtlpEndpoints | BaseException) -> None:
            def settle() -> None:
                if ready.done():
                    return
                if isinstance(result, BaseException):
                    ready.set_exception(result)
                else:
                    ready.set_result(result)

            try:
                caller.call_soon_threadsafe(settle)
            except RuntimeError:  # the caller's loop is gone: nobody is waiting any more
                pass

        self._thread = threading.Thread(target=self._run, args=(report,), name="pyspire-otlp", daemon=True)
        self._thread.start()
        try:
            self._endpoints = await ready
        except BaseException:
            assert self._thread is not None
            # Failed or cancelled (a timeout around the app host's start): ask the thread to
            # stop if it got as far as serving, and never wait on it for ever.
            self._abandoned.set()  # seen by the thread before it waits, if it has not got there
            loop, stopping = self._loop, self._stopping
            if loop is not None and stopping is not None:
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(stopping.set)
            thread = self._thread
            await asyncio.shield(asyncio.to_thread(thread.join, STOP_GRACE_SECONDS + DRAIN_SECONDS + 5))
            self._thread = None
            raise

    async def stop(self) -> None:
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None:
            return
        if loop is not None and stopping is not None:
            try:
                loop.call_soon_threadsafe(stopping.set)
            except RuntimeError:  # its loop already ended
                pass
        await asyncio.to_thread(thread.join, STOP_GRACE_SECONDS + DRAIN_SECONDS + 5)
        self._thread = None

    # -- on the receiver's thread ------------------------------------------------------------------

    def _run(self, report: Callable[[OtlpEndpoints | BaseException], None]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve(report))
        except BaseException as exc:
            report(exc)
        finally:
            loop.close()

    async def _serve(self, report: Callable[[OtlpEndpoints | BaseException], None]) -> None:
        # The heavy imports, here on purpose (see the module docstring).
        from pyspire.extensions import HttpServer
        from pyspire.telemetry.origins import OriginResolver
        from pyspire.telemetry.otlp_attributes import AttributeLimits
        from pyspire.telemetry.otlp_decode import Decoder
        from pyspire.telemetry.otlp_grpc import start_grpc_server
        from pyspire.telemetry.otlp_http import otlp_http_app
        from pyspire.telemetry.otlp_queue import BatchQueue, DecodeWorker

        settings = self.settings
        self._stopping = asyncio.Event()
        limits = AttributeLimits(settings.max_attributes, settings.max_attribute_length)
        decoder = Decoder(OriginResolver(self.setup.model, limits), limits, settings.max_span_events, _yield_gil)
        sink = self.sink
        handlers: dict[str, Callable[[Any], None]] = {
            "traces": lambda request: sink.add_spans(decoder.spans(request)),
            "logs": lambda request: sink.add_logs(decoder.logs(request)),
            "metrics": lambda request: sink.add_metric_points(decoder.metric_points(request)),
        }
        queue = BatchQueue(settings.max_queued_batches)
        worker = DecodeWorker(queue, lambda batch: handlers[batch.kind](batch.request), sink.note_dropped)
        self._queue, self._worker = queue, worker
        worker.start()
        http = HttpServer(otlp_http_app(self.api_key, settings.max_body_bytes, queue.put), "127.0.0.1", settings.http_port)
        grpc_server = None
        try:
            try:
                await http.start()
            except OSError as exc:
                from pyspire.telemetry.settings import TelemetrySettingError

                raise TelemetrySettingError(
                    f"the OTLP/HTTP receiver cannot listen on 127.0.0.1:{settings.http_port} "
                    f"({os.strerror(exc.errno) if exc.errno else exc}); choose another PYSPIRE_OTLP_HTTP_PORT or unset it for a random port"
                ) from None
            grpc_server, grpc_port = await start_grpc_server(
                self.api_key, settings.grpc_port, settings.max_body_bytes, queue.put
            )
            report(OtlpEndpoints(grpc_port=grpc_port, http_port=http.port))
            if not self._abandoned.is_set():
                await self._stopping.wait()
        finally:
            if grpc_server is not None:
                await grpc_server.stop(STOP_GRACE_SECONDS)
            await http.close()
            queue.close()
            await asyncio.to_thread(worker.join, DRAIN_SECONDS)
