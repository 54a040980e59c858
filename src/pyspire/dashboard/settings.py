"""The dashboard's settings (``PYSPIRE_DASHBOARD``, ``PYSPIRE_DASHBOARD_PORT``), read from the app
host's settings: its environment over the ``.env`` beside apphost.py.

A value that is not usable fails the run before anything starts, naming the variable and what it
accepts (the same words as the telemetry settings use)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pyspire.extensions import ConfigurationError

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class DashboardSettingError(ConfigurationError, ValueError):
    """A ``PYSPIRE_DASHBOARD*`` setting holds something unusable."""


@dataclass(frozen=True)
class DashboardSettings:
    enabled: bool = True
    #: 0: a random free port (the default; the login link says which).
    port: int = 0

    @classmethod
    def from_settings(cls, settings: Mapping[str, str]) -> DashboardSettings:
        return cls(enabled=_flag(settings, "PYSPIRE_DASHBOARD", True), port=_port(settings, "PYSPIRE_DASHBOARD_PORT"))


def _flag(settings: Mapping[str, str], name: str, default: bool) -> bool:
    raw = settings.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise DashboardSettingError(f"{name}={settings[name]!r} is not on or off; set it to 1 or 0 (or unset it)")


def _port(settings: Mapping[str, str], name: str) -> int:
    raw = settings.get(name, "").strip()
    if not raw:
        return 0
    try:
        port = int(raw)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise DashboardSettingError(
            f"{name}={raw!r} is not a port; set a number from 1 to 65535, or unset it for a random port"
        )
    return port
