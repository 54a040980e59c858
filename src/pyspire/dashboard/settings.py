"""The dashboard's settings (``PYSPIRE_DASHBOARD``, ``PYSPIRE_DASHBOARD_PORT``), read from the app
host's settings: its environment over the ``.env`` beside apphost.py.

A value that is not usable fails the run before anything starts, naming the variable and what it
accepts (the same words as the telemetry settings use)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pyspire.extensions import ConfigurationError, setting_flag, setting_port


class DashboardSettingError(ConfigurationError, ValueError):
    """A ``PYSPIRE_DASHBOARD*`` setting holds something unusable."""


@dataclass(frozen=True)
class DashboardSettings:
    enabled: bool = True
    #: 0: a random free port (the default; the login link says which).
    port: int = 0

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> DashboardSettings:
        return cls(
            enabled=setting_flag(settings, "PYSPIRE_DASHBOARD", True, DashboardSettingError),
            port=setting_port(settings, "PYSPIRE_DASHBOARD_PORT", DashboardSettingError),
        )
