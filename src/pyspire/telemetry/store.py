"""The bounded in-memory telemetry store, optionally persisted to SQLite (to be built)."""

from __future__ import annotations

from pyspire.extensions.app_host_services import AppHostSetup
from pyspire.telemetry.queries import TelemetryStore
from pyspire.telemetry.settings import TelemetrySettings


def open_store(settings: TelemetrySettings, setup: AppHostSetup) -> TelemetryStore:
    """The run's store: in memory, bounded per kind; with ``settings.persist`` also in
    ``.pyspire/telemetry.sqlite``, loaded at start so a run's data survives an app host restart."""
    raise NotImplementedError("the telemetry store is not built yet")
