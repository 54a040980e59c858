"""Where parameter and connection-string values come from.

Aspire's convention: the environment variable ``Parameters__<name>`` / ``ConnectionStrings__<name>``
(``-`` in the name may be written ``_``, since shells cannot export names with ``-``), else the
settings file ``.pyspire/settings.json`` next to the app host::

    {"Parameters": {"api-key": "..."}, "ConnectionStrings": {"db": "postgres://..."}}

A value given in code (``add_parameter(name, value=...)``) is the default under both.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pyspire.errors import ConfigurationError
from pyspire.model.resources import ConfiguredValueResource
from pyspire.runtime.files import write_atomic
from pyspire.runtime.state_dir import SETTINGS_FILE as SETTINGS_FILE
from pyspire.runtime.state_dir import StateDir


def state_dir(app_dir: Path) -> Path:
    """The ``.pyspire/`` folder next to the app host, where pyspire keeps everything on disk."""
    return StateDir.of(app_dir).root


class SettingsError(ConfigurationError, ValueError):
    """The settings file exists but cannot be read as the expected JSON object."""


class Configuration:
    def __init__(self, app_dir: Path, environ: Mapping[str, str] | None = None) -> None:
        self.settings_path = StateDir.of(app_dir).settings
        self._environ = dict(os.environ if environ is None else environ)
        self._settings = self._load(self.settings_path)

    @staticmethod
    def _load(path: Path) -> dict[str, Any]:
        try:
            text = path.read_text()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise SettingsError(f"{path}: cannot be read ({exc.strerror})") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SettingsError(
                f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}; fix or delete it"
            ) from None
        if not isinstance(data, dict):
            raise SettingsError(f"{path}: expected a JSON object with 'Parameters' / 'ConnectionStrings'")
        return data

    def value_for(self, resource: ConfiguredValueResource) -> str | None:
        section = resource.config_section
        for key in (f"{section}__{resource.name}", f"{section}__{resource.name.replace('-', '_')}"):
            if key in self._environ:
                return self._environ[key]
        stored = self._settings.get(section, {})
        if isinstance(stored, dict) and resource.name in stored:
            return str(stored[resource.name])
        return resource.default_value

    def keep(self, resource: ConfiguredValueResource, value: str) -> None:
        """Store ``value`` for ``resource`` in the settings file (re-read first, so what another
        process or the user wrote meanwhile is kept), readable only by the user."""
        settings = self._load(self.settings_path)
        section = settings.setdefault(resource.config_section, {})
        if not isinstance(section, dict):
            raise SettingsError(f"{self.settings_path}: {resource.config_section!r} is not a JSON object")
        section[resource.name] = value
        write_atomic(self.settings_path, json.dumps(settings, indent=2) + "\n", private_folder=True)
        self._settings = settings

    def how_to_supply(self, resource: ConfiguredValueResource) -> str:
        return (
            f"set the environment variable {resource.config_key} or add "
            f'"{resource.config_section}": {{"{resource.name}": "..."}} to {self.settings_path}'
        )
