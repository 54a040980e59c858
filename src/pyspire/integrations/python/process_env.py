"""What every Python process of this integration gets in run mode, whatever its command is called.

A Python child whose stdout is a pipe block-buffers 8 KiB before writing, so its log lags behind
what it does; ``PYTHONUNBUFFERED=1`` makes each line appear as it is printed. The OpenTelemetry
variable lets an instrumented app (``opentelemetry-instrument``) send its ``logging`` records as
telemetry, as Aspire's Python integration does. A run-mode policy, not a launch-plan variable:
neither belongs in a published manifest, and what the user sets with ``with_env`` still wins.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyspire.extensions import RunModeContext
from pyspire.integrations.python.resources import PythonAppResource, PythonInstallerResource

PYTHON_PROCESS_ENV: Mapping[str, str] = {
    "PYTHONUNBUFFERED": "1",
    "OTEL_PYTHON_LOGGING_AUTO_INSTRUMENTATION_ENABLED": "true",
}


def python_process_env(ctx: RunModeContext) -> Mapping[str, str]:
    """The variables above for this integration's resources; nothing for any other."""
    if isinstance(ctx.resource, PythonAppResource | PythonInstallerResource):
        return PYTHON_PROCESS_ENV
    return {}
