"""Telemetry: the OTLP receiver in the app host, the bounded store and its read API.

Importing this package registers the telemetry app host service (``APP_HOST_SERVICES``); it uses
the public extension API only. See docs/telemetry.md.
"""

from __future__ import annotations

from pyspire.extensions.app_host_services import APP_HOST_SERVICES
from pyspire.telemetry.service import TelemetryService, telemetry_service
from pyspire.telemetry.settings import TelemetrySettings

APP_HOST_SERVICES.register(telemetry_service, "telemetry")

__all__ = ["TelemetryService", "TelemetrySettings", "telemetry_service"]
