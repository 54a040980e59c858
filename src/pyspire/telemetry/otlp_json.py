"""OTLP/JSON bodies into protobuf messages.

OTLP/JSON is protobuf's JSON mapping with one difference that matters: trace and span ids are
hex strings, where ``json_format`` expects base64 for ``bytes`` fields (opentelemetry-proto #500).
Parsing alone would give every id the wrong bytes (or fail), so the ids are converted first,
wherever they occur (spans, links, log records, exemplars). Unknown fields are ignored, as the
OTLP specification asks of receivers, so a newer sender still gets through.
"""

from __future__ import annotations

import base64
import json
from typing import TypeVar

from google.protobuf import json_format
from google.protobuf.message import Message

M = TypeVar("M", bound=Message)

#: The id fields of OTLP's messages, in both spellings json_format accepts.
ID_FIELDS = frozenset({"traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id"})


class OtlpJsonError(ValueError):
    """The body is not OTLP/JSON; the message says where, without echoing the body."""


def parse_json(body: bytes, message: M) -> M:
    """``body`` (OTLP/JSON) merged into ``message``, ids converted from hex."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise OtlpJsonError(f"the body is not JSON ({exc.__class__.__name__})") from None
    if not isinstance(document, dict):
        raise OtlpJsonError("the body is not a JSON object")
    _ids_to_base64(document)
    try:
        json_format.ParseDict(document, message, ignore_unknown_fields=True)
    except json_format.ParseError as exc:
        raise OtlpJsonError(f"the body is not an OTLP export request: {_short(str(exc))}") from None
    return message


def to_json(message: Message) -> bytes:
    """A response in OTLP/JSON (ids would be hex too, but responses carry none)."""
    return json_format.MessageToJson(message, indent=None).encode()


def _ids_to_base64(node: object) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ID_FIELDS and isinstance(value, str):
                node[key] = _hex_to_base64(key, value)
            else:
                _ids_to_base64(value)
    elif isinstance(node, list):
        for item in node:
            _ids_to_base64(item)


def _hex_to_base64(key: str, value: str) -> str:
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise OtlpJsonError(f"{key} {_short(value)!r} is not hex (OTLP/JSON sends ids as hex strings)") from None
    return base64.b64encode(raw).decode()


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "…"

