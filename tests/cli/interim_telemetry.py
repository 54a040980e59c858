"""Until the telemetry service is switched on in pyspire (issue 13's wiring), the CLI tests'
app host registers it itself: the real store, the real OTLP receiver and the real read API
(:class:`pyspire.telemetry.service.TelemetryService`), with the exporter variables a replica
needs to reach the receiver. Once pyspire starts the service on its own, importing this does
nothing, and the tests run against exactly what users get."""

from __future__ import annotations

from collections.abc import Mapping

from pyspire.extensions import TelemetryEnv
from pyspire.extensions.app_host_services import APP_HOST_SERVICES, AppHostSetup
from pyspire.model import Resource
from pyspire.telemetry import service as telemetry_service
from pyspire.telemetry.service import TelemetryService
from pyspire.telemetry.settings import TelemetrySettings


class InterimTelemetryService(TelemetryService):
    def telemetry_env(self) -> TelemetryEnv | None:
        def env(resource: Resource, suffix: str) -> Mapping[str, str]:
            return {
                "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://localhost:{self.receiver.endpoints.grpc_port}",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
                "OTEL_EXPORTER_OTLP_HEADERS": f"x-otlp-api-key={self.api_key}",
                "OTEL_BSP_SCHEDULE_DELAY": "1000",
                "OTEL_BLRP_SCHEDULE_DELAY": "1000",
                "OTEL_METRIC_EXPORT_INTERVAL": "1000",
            }

        return env


def _factory(setup: AppHostSetup) -> TelemetryService | None:
    settings = TelemetrySettings.from_settings(setup.settings)
    return InterimTelemetryService(setup, settings) if settings.enabled else None


if not getattr(telemetry_service, "_BUILT", True):
    APP_HOST_SERVICES.register(_factory)
