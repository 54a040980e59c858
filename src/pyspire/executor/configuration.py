"""Where parameter and connection-string values come from, first found wins:

1. the environment variable ``Parameters__<name>`` / ``ConnectionStrings__<name>`` (Aspire's
   convention; ``-`` in the name may be written ``_``, since shells cannot export names with ``-``),
2. the same key in ``.env`` beside apphost.py (the file many projects already keep, read with
   python-dotenv; only these keys are read from it, nothing else of it reaches any process),
3. the settings file ``.pyspire/settings.json`` next to the app host, where pyspire also keeps
   what it generated and what ``pyspire parameter set --save`` supplied::

       {"Parameters": {"api-key": "..."}, "ConnectionStrings": {"db": "postgres://..."}}

4. the value given in code (``add_parameter(name, value=...)``).

Both files are read once, when the app host starts: a malformed one is a one-line error before
anything starts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pyspire.errors import ConfigurationError
from pyspire.model.env_files import read_env_file
from pyspire.model.resources import ConfiguredValueResource
from pyspire.runtime.files import exclusive, write_atomic
from pyspire.runtime.state_dir import SETTINGS_FILE as SETTINGS_FILE
from pyspire.runtime.state_dir import StateDir


def state_dir(app_dir: Path) -> Path:
    """The ``.pyspire/`` folder next to the app host, where pyspire keeps everything on disk."""
    return StateDir.of(app_dir).root


class SettingsError(ConfigurationError, ValueError):
    """The settings file exists but cannot be read as the expected JSON object."""


#: The dotenv file beside apphost.py whose ``Parameters__*`` / ``ConnectionStrings__*`` are read.
DOTENV_FILE = ".env"

_SECTIONS = ("Parameters__", "ConnectionStrings__")


def _dotenv(path: Path, prefixes: tuple[str, ...] = _SECTIONS) -> dict[str, str]:
    """The keys of ``path`` that start with one of ``prefixes`` (none when it does not exist)."""
    if not path.is_file():
        return {}
    return {key: value for key, value in read_env_file(path).items() if key.startswith(prefixes)}


class Configuration:
    def __init__(self, app_dir: Path, environ: Mapping[str, str] | None = None) -> None:
        self.settings_path = StateDir.of(app_dir).settings
        self.dotenv_path = app_dir / DOTENV_FILE
        self._environ = dict(os.environ if environ is None else environ)
        self._dotenv = _dotenv(self.dotenv_path)
        #: The app host's own ``PYSPIRE_*`` settings in the .env (telemetry, dashboard).
        self._dotenv_settings = _dotenv(self.dotenv_path, ("PYSPIRE_",))
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

    def app_settings(self) -> dict[str, str]:
        """The app host's settings for its own services (``PYSPIRE_*``): its environment over the
        ``.env`` beside apphost.py."""
        return {**self._dotenv, **self._dotenv_settings, **self._environ}

    def value_for(self, resource: ConfiguredValueResource) -> str | None:
        section = resource.config_section
        keys = (f"{section}__{resource.name}", f"{section}__{resource.name.replace('-', '_')}")
        for source in (self._environ, self._dotenv):
            for key in keys:
                if key in source:
                    return source[key]
        stored = self._settings.get(section, {})
        if isinstance(stored, dict) and resource.name in stored:
            return str(stored[resource.name])
        return resource.default_value

    def keep(self, resource: ConfiguredValueResource, value: str) -> None:
        """Store ``value`` for ``resource`` in the settings file, readable only by the user (0600,
        in a 0700 folder). Re-read under the file's lock first, so what another app host of this
        folder or the user wrote meanwhile is kept."""
        try:
            with exclusive(self.settings_path):
                settings = self._load(self.settings_path)
                section = settings.setdefault(resource.config_section, {})
                if not isinstance(section, dict):
                    raise SettingsError(
                        f"{self.settings_path}: {resource.config_section!r} is not a JSON object; fix or delete it"
                    )
                section[resource.name] = value
                write_atomic(self.settings_path, json.dumps(settings, indent=2) + "\n", private_folder=True)
        except OSError as exc:
            raise SettingsError(f"{self.settings_path}: cannot be written ({exc.strerror})") from None
        self._settings = settings

    def how_to_supply(self, resource: ConfiguredValueResource) -> str:
        return (
            f"set the environment variable {resource.config_key}, add {resource.config_key}=... to "
            f'{self.dotenv_path}, or add "{resource.config_section}": {{"{resource.name}": "..."}} to '
            f"{self.settings_path} (or, while the app runs: pyspire parameter set {resource.name})"
        )
