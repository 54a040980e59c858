"""What every Python process of this integration gets in run mode, whatever its command is called.

A Python child whose stdout is a pipe block-buffers 8 KiB before writing, so its log lags behind
what it does; ``PYTHONUNBUFFERED=1`` makes each line appear as it is printed. The OpenTelemetry
variables let an instrumented app (``opentelemetry-instrument``) send its ``logging`` records as
telemetry with the trace and span ids of the request that wrote them, and export all three
signals over OTLP to the app host, as Aspire's Python integration does; a resource that opted out
(``with_otlp_exporter(False)``) gets none of the exporter choices. A run-mode policy, not a
launch-plan variable: none belongs in a published manifest, and what the user sets with
``with_env`` still wins.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyspire.extensions import RunModeContext
from pyspire.integrations.python.resources import PythonAppResource, PythonInstallerResource
from pyspire.model.otlp_exporter import otlp_exporter_of

PYTHON_PROCESS_ENV: Mapping[str, str] = {
    "PYTHONUNBUFFERED": "1",
    "OTEL_PYTHON_LOGGING_AUTO_INSTRUMENTATION_ENABLED": "true",
}

#: The Python SDK's exporter choices (``opentelemetry-instrument`` reads them): OTLP for every signal,
#: log records correlated with the current span.
PYTHON_OTLP_ENV: Mapping[str, str] = {
    "OTEL_PYTHON_LOG_CORRELATION": "true",
    "OTEL_TRACES_EXPORTER": "otlp",
    "OTEL_METRICS_EXPORTER": "otlp",
    "OTEL_LOGS_EXPORTER": "otlp",
}


def python_process_env(ctx: RunModeContext) -> Mapping[str, str]:
    """The variables above for this integration's resources; nothing for any other."""
    if isinstance(ctx.resource, PythonAppResource):
        # Only where there is a receiver to export to (telemetry on, not opted out): the SDK's
        # exporters without an endpoint would retry localhost:4317 and print errors all run.
        exporting = "OTEL_EXPORTER_OTLP_ENDPOINT" in ctx.telemetry(ctx.resource, ctx.suffix)
        if exporting and otlp_exporter_of(ctx.resource).enabled:
            return {**PYTHON_PROCESS_ENV, **PYTHON_OTLP_ENV}
        return PYTHON_PROCESS_ENV
    if isinstance(ctx.resource, PythonInstallerResource):
        return PYTHON_PROCESS_ENV
    return {}
