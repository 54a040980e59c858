"""OTLP/HTTP: ``POST /v1/traces``, ``/v1/logs``, ``/v1/metrics`` as a small Starlette app.

Served by :class:`pyspire.extensions.HttpServer` on the receiver's own loop (the control API's
uvicorn server: binds before serving, caps idle connections, no signal handlers). Checks, in
order: the API key (401), the content type — protobuf or JSON (415), the encoding — none or gzip
(415), the body size before and after decompression (413, so a gzip bomb costs at most the limit
in memory), the body itself (400). Success answers an empty Export*ServiceResponse in the
request's content type, as OTLP/HTTP asks; errors answer a short message (OTLP's ``Status``
shape ``{"code", "message"}`` for a JSON request, text for protobuf — what the SDKs log).
"""

from __future__ import annotations

import hmac
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from google.protobuf.message import DecodeError, Message
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pyspire.errors import PyspireError
from pyspire.telemetry.api_key import API_KEY_HEADER
from pyspire.telemetry.otlp_json import OtlpJsonError, parse_json, to_json
from pyspire.telemetry.otlp_queue import Batch
from pyspire.telemetry.queries import TelemetryKind

PROTOBUF = "application/x-protobuf"
JSON = "application/json"


@dataclass(frozen=True)
class _Signal:
    kind: TelemetryKind
    request: Callable[[], Message]
    response: Message


_SIGNALS = {
    "/v1/traces": _Signal("traces", ExportTraceServiceRequest, ExportTraceServiceResponse()),
    "/v1/logs": _Signal("logs", ExportLogsServiceRequest, ExportLogsServiceResponse()),
    "/v1/metrics": _Signal("metrics", ExportMetricsServiceRequest, ExportMetricsServiceResponse()),
}


class _Rejected(PyspireError):
    """A request the receiver answers with an error status (never seen outside this module)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def otlp_http_app(api_key: str, max_body_bytes: int, enqueue: Callable[[Batch], None]) -> Starlette:
    """The OTLP/HTTP app: a request that passes every check is parsed and handed to ``enqueue``."""
    expected = api_key.encode()

    async def export(request: Request) -> Response:
        signal = _SIGNALS[request.url.path]
        media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        try:
            given = request.headers.get(API_KEY_HEADER, "").encode()
            if not hmac.compare_digest(given, expected):
                raise _Rejected(401, f"missing or wrong {API_KEY_HEADER} header: send the key pyspire gives in OTEL_EXPORTER_OTLP_HEADERS")
            if media_type not in (PROTOBUF, JSON):
                raise _Rejected(415, f"content type {media_type or '(none)'!r} is not OTLP: send {PROTOBUF} or {JSON}")
            encoding = request.headers.get("content-encoding", "").strip().lower()
            if encoding not in ("", "identity", "gzip"):
                raise _Rejected(415, f"content encoding {encoding!r} is not supported: send the body as is or gzip")
            body = await _read_body(request, max_body_bytes)
            if encoding == "gzip":
                body = _gunzip(body, max_body_bytes)
            message = signal.request()
            if media_type == PROTOBUF:
                try:
                    message.ParseFromString(body)
                except DecodeError:
                    raise _Rejected(400, "the body is not an OTLP protobuf export request") from None
            else:
                try:
                    parse_json(body, message)
                except OtlpJsonError as exc:
                    raise _Rejected(400, str(exc)) from None
        except _Rejected as rejected:
            return _error(rejected, media_type)
        enqueue(Batch(signal.kind, message))
        if media_type == JSON:
            return Response(to_json(signal.response), media_type=JSON)
        return Response(signal.response.SerializeToString(), media_type=PROTOBUF)

    return Starlette(routes=[Route(path, export, methods=["POST"]) for path in _SIGNALS])


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _Rejected(413, _too_large(limit))
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _Rejected(413, _too_large(limit))
    return bytes(body)


def _gunzip(body: bytes, limit: int) -> bytes:
    """``body`` decompressed, never holding more than ``limit`` + 1 bytes of output."""
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = decompressor.decompress(body, limit + 1)
    except zlib.error:
        raise _Rejected(400, "the body is not valid gzip (Content-Encoding: gzip)") from None
    if len(out) > limit or decompressor.unconsumed_tail:
        raise _Rejected(413, _too_large(limit, decompressed=True))
    if not decompressor.eof:
        raise _Rejected(400, "the gzip body is cut short")
    return out


def _too_large(limit: int, decompressed: bool = False) -> str:
    what = "decompressed body" if decompressed else "body"
    return (
        f"the {what} is over the receiver's limit of {limit} bytes: send smaller batches "
        "(OTEL_BSP_MAX_EXPORT_BATCH_SIZE) or raise PYSPIRE_OTLP_MAX_BODY_BYTES"
    )


def _error(rejected: _Rejected, media_type: str) -> Response:
    if media_type == JSON:
        # google.rpc.Status's JSON shape; gRPC's code for each HTTP status is close enough here.
        code = {400: 3, 401: 16, 413: 8, 415: 3}.get(rejected.status, 2)
        body = json.dumps({"code": code, "message": rejected.message})
        return Response(body, status_code=rejected.status, media_type=JSON)
    return Response(rejected.message, status_code=rejected.status, media_type="text/plain")
