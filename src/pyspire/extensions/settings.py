"""Reading an app host service's ``PYSPIRE_*`` settings: one wording for every service.

Each reader takes the settings mapping (``AppHostSetup.settings``), the variable's name and the
error class to raise (the service's own :class:`~pyspire.errors.ConfigurationError`), so a bad
value fails the run before anything starts with a message naming the variable and what it takes.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyspire.errors import ConfigurationError

__all__ = ["setting_count", "setting_flag", "setting_port"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def setting_flag(
    settings: Mapping[str, str], name: str, default: bool, error: type[ConfigurationError] = ConfigurationError
) -> bool:
    """On (1/true/yes/on) or off (0/false/no/off); unset or empty: ``default``."""
    raw = settings.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise error(f"{name}={settings[name]!r} is not on or off; set it to 1 or 0 (or unset it)")


def setting_port(settings: Mapping[str, str], name: str, error: type[ConfigurationError] = ConfigurationError) -> int:
    """A TCP port; unset or empty: 0 (a random free port)."""
    raw = settings.get(name, "").strip()
    if not raw:
        return 0
    try:
        port = int(raw)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise error(f"{name}={raw!r} is not a port; set a number from 1 to 65535, or unset it for a random port")
    return port


def setting_count(
    settings: Mapping[str, str],
    name: str,
    default: int,
    error: type[ConfigurationError] = ConfigurationError,
    example: int | None = None,
) -> int:
    """A positive whole number (``10_000`` allowed); unset or empty: ``default``."""
    raw = settings.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        value = 0
    if value < 1:
        hint = f"{default} (the default)" if example is None else str(example)
        raise error(f"{name}={raw!r} is not a positive whole number; set e.g. {hint}")
    return value
