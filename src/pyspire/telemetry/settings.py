"""The telemetry settings: limits, ports, persistence — read from the app host's settings.

Every setting is a ``PYSPIRE_*`` variable in the app host's environment or the ``.env`` beside
apphost.py (see docs/telemetry.md). A value that is not usable fails the run before anything
starts, naming the variable and what it accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pyspire.extensions import ConfigurationError, setting_count, setting_flag, setting_port

#: Aspire's defaults (TelemetryLimitOptions).
DEFAULT_MAX_LOGS = 10_000
DEFAULT_MAX_TRACES = 10_000
DEFAULT_MAX_METRIC_POINTS = 50_000
DEFAULT_MAX_ATTRIBUTES = 128
DEFAULT_MAX_ATTRIBUTE_LENGTH = 4096
DEFAULT_MAX_SPAN_EVENTS = 128
#: Spans over all traces, unless PYSPIRE_TELEMETRY_MAX_SPANS says otherwise: max_traces × this.
DEFAULT_SPANS_PER_TRACE = 32
#: gRPC's default message limit; OTLP/HTTP bodies are held to the same.
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024
#: Batches received but not yet decoded; past it the oldest are dropped (and counted).
DEFAULT_MAX_QUEUED_BATCHES = 64


class TelemetrySettingError(ConfigurationError, ValueError):
    """A ``PYSPIRE_TELEMETRY_*`` / ``PYSPIRE_OTLP_*`` setting holds something unusable."""


@dataclass(frozen=True)
class TelemetrySettings:
    enabled: bool = True
    max_logs: int = DEFAULT_MAX_LOGS
    max_traces: int = DEFAULT_MAX_TRACES
    max_metric_points: int = DEFAULT_MAX_METRIC_POINTS
    max_attributes: int = DEFAULT_MAX_ATTRIBUTES
    max_attribute_length: int = DEFAULT_MAX_ATTRIBUTE_LENGTH
    max_span_events: int = DEFAULT_MAX_SPAN_EVENTS
    #: Spans over all traces; 0: ``max_traces × DEFAULT_SPANS_PER_TRACE`` (see :attr:`span_limit`).
    max_spans: int = 0
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_queued_batches: int = DEFAULT_MAX_QUEUED_BATCHES
    #: 0: a random free port.
    grpc_port: int = 0
    http_port: int = 0
    #: Keep telemetry in ``.pyspire/telemetry.sqlite`` so it survives an app host restart.
    persist: bool = False

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> TelemetrySettings:
        return cls(
            enabled=_flag(settings, "PYSPIRE_TELEMETRY", True),
            max_logs=_count(settings, "PYSPIRE_TELEMETRY_MAX_LOGS", DEFAULT_MAX_LOGS),
            max_traces=_count(settings, "PYSPIRE_TELEMETRY_MAX_TRACES", DEFAULT_MAX_TRACES),
            max_metric_points=_count(settings, "PYSPIRE_TELEMETRY_MAX_METRIC_POINTS", DEFAULT_MAX_METRIC_POINTS),
            max_attributes=_count(settings, "PYSPIRE_TELEMETRY_MAX_ATTRIBUTES", DEFAULT_MAX_ATTRIBUTES),
            max_attribute_length=_count(
                settings, "PYSPIRE_TELEMETRY_MAX_ATTRIBUTE_LENGTH", DEFAULT_MAX_ATTRIBUTE_LENGTH
            ),
            max_span_events=_count(settings, "PYSPIRE_TELEMETRY_MAX_SPAN_EVENTS", DEFAULT_MAX_SPAN_EVENTS),
            max_spans=_count(settings, "PYSPIRE_TELEMETRY_MAX_SPANS", 0, DEFAULT_MAX_TRACES * DEFAULT_SPANS_PER_TRACE),
            max_body_bytes=_count(settings, "PYSPIRE_OTLP_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
            max_queued_batches=_count(settings, "PYSPIRE_OTLP_MAX_QUEUED_BATCHES", DEFAULT_MAX_QUEUED_BATCHES),
            grpc_port=_port(settings, "PYSPIRE_OTLP_GRPC_PORT"),
            http_port=_port(settings, "PYSPIRE_OTLP_HTTP_PORT"),
            persist=_flag(settings, "PYSPIRE_TELEMETRY_PERSIST", False),
        )

    @property
    def span_limit(self) -> int:
        """How many spans the store keeps over all traces: a trace counts once against
        ``max_traces``, but one sender making huge traces must not grow memory without end."""
        return self.max_spans or self.max_traces * DEFAULT_SPANS_PER_TRACE


def _flag(settings: Mapping[str, str], name: str, default: bool) -> bool:
    return setting_flag(settings, name, default, TelemetrySettingError)


def _count(settings: Mapping[str, str], name: str, default: int, example: int | None = None) -> int:
    return setting_count(settings, name, default, TelemetrySettingError, example)


def _port(settings: Mapping[str, str], name: str) -> int:
    return setting_port(settings, name, TelemetrySettingError)
