"""The telemetry read API on the control API: ``/v1/telemetry/...`` (to be built)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from pyspire.telemetry.queries import TelemetryStore


def telemetry_routes(store: TelemetryStore) -> list[BaseRoute]:
    return []
