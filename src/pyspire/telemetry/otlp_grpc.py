"""OTLP/gRPC: the trace, logs and metrics collector services on a ``grpc.aio`` server.

The services are opentelemetry-proto's own (``*_pb2_grpc``), so any OTLP exporter speaks to them.
An interceptor checks the ``x-otlp-api-key`` metadata before the request is even parsed (a
wrong key answers UNAUTHENTICATED without costing a decode); the largest message accepted is the
receiver's body limit; gzip is accepted (grpc decompresses it). Imported only on the receiver's
thread: grpc is a heavy import the app host's loop should not wait for.
"""

from __future__ import annotations

import hmac
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2_grpc
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2_grpc
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from pyspire.telemetry.api_key import API_KEY_HEADER as API_KEY_METADATA
from pyspire.telemetry.otlp_queue import Batch
from pyspire.telemetry.settings import TelemetrySettingError

#: How often a random port this machine refuses (a firewall rule) is replaced by another.
_PORT_TRIES = 5


class _ApiKeyInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, api_key: str) -> None:
        self._expected = api_key.encode()

        async def deny(request: bytes, context: grpc.aio.ServicerContext[Any, Any]) -> None:
            await context.abort(
                grpc.StatusCode.UNAUTHENTICATED,
                f"missing or wrong {API_KEY_METADATA} metadata: send the key pyspire gives in OTEL_EXPORTER_OTLP_HEADERS",
            )

        self._deny: grpc.RpcMethodHandler[Any, Any] = grpc.unary_unary_rpc_method_handler(deny)

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        given = b""
        for key, value in handler_call_details.invocation_metadata or ():
            if key == API_KEY_METADATA:
                given = value.encode() if isinstance(value, str) else value
                break
        if hmac.compare_digest(given, self._expected):
            return await continuation(handler_call_details)
        return self._deny


class _Traces(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self, enqueue: Callable[[Batch], None]) -> None:
        self._enqueue = enqueue

    async def Export(self, request: ExportTraceServiceRequest, context: object) -> ExportTraceServiceResponse:  # noqa: N802
        self._enqueue(Batch("traces", request))
        return ExportTraceServiceResponse()


class _Logs(logs_service_pb2_grpc.LogsServiceServicer):
    def __init__(self, enqueue: Callable[[Batch], None]) -> None:
        self._enqueue = enqueue

    async def Export(self, request: ExportLogsServiceRequest, context: object) -> ExportLogsServiceResponse:  # noqa: N802
        self._enqueue(Batch("logs", request))
        return ExportLogsServiceResponse()


class _Metrics(metrics_service_pb2_grpc.MetricsServiceServicer):
    def __init__(self, enqueue: Callable[[Batch], None]) -> None:
        self._enqueue = enqueue

    async def Export(self, request: ExportMetricsServiceRequest, context: object) -> ExportMetricsServiceResponse:  # noqa: N802
        self._enqueue(Batch("metrics", request))
        return ExportMetricsServiceResponse()


async def start_grpc_server(
    api_key: str, port: int, max_message_bytes: int, enqueue: Callable[[Batch], None]
) -> tuple[grpc.aio.Server, int]:
    """A started server on 127.0.0.1:``port`` (0: a random port this machine can connect to)."""
    for _ in range(1 if port else _PORT_TRIES):
        server = grpc.aio.server(
            interceptors=[_ApiKeyInterceptor(api_key)],
            options=[
                ("grpc.max_receive_message_length", max_message_bytes),
                # Without this a configured port another process holds would be shared, not refused.
                ("grpc.so_reuseport", 0),
            ],
        )
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(_Traces(enqueue), server)  # type: ignore[no-untyped-call]
        logs_service_pb2_grpc.add_LogsServiceServicer_to_server(_Logs(enqueue), server)  # type: ignore[no-untyped-call]
        metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(_Metrics(enqueue), server)  # type: ignore[no-untyped-call]
        try:
            bound = server.add_insecure_port(f"127.0.0.1:{port}")
        except RuntimeError:
            bound = 0
        if not bound:
            raise TelemetrySettingError(
                f"the OTLP/gRPC receiver cannot listen on 127.0.0.1:{port}; choose another "
                "PYSPIRE_OTLP_GRPC_PORT or unset it for a random port"
            )
        await server.start()
        if port or _accepts_connections(bound):
            return server, bound
        await server.stop(None)
    raise TelemetrySettingError(
        "the OTLP/gRPC receiver found no loopback port this machine accepts connections on; "
        "set PYSPIRE_OTLP_GRPC_PORT to a free port"
    )


def _accepts_connections(port: int) -> bool:
    """Whether a client here can connect to ``port`` (a firewall rule can refuse a few ports)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False
