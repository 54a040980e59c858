"""Host ports of persistent containers, kept in ``.pyspire/persistent-ports.json``.

A persistent container publishes its ports on the host; if those changed on every run, its
configuration would change on every run and it could never be re-adopted. So the first run
allocates them and later runs reuse them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from pyspire.runtime.files import write_json_atomic
from pyspire.runtime.state_dir import PERSISTENT_PORTS_FILE as FILE_NAME
from pyspire.runtime.state_dir import StateDir

__all__ = ["FILE_NAME", "PersistentPorts"]


class PersistentPorts:
    """Several may share the file in one app host (the executor's, the app host services' gateway
    proxies): each re-reads it before recording, so none drops what another recorded."""

    def __init__(self, state_dir: Path) -> None:
        self.path = StateDir(state_dir).persistent_ports
        self._ports: dict[str, int] = self._load()

    def _load(self) -> dict[str, int]:
        try:
            loaded = json.loads(self.path.read_text())
        except (OSError, ValueError):
            loaded = {}
        return {k: int(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}

    def port_for(self, key: str, allocate: Callable[[], int]) -> int:
        """The recorded port for ``key`` (``resource/endpoint``), else a new one, recorded."""
        port = self._ports.get(key)
        if port is None:
            self._ports = {**self._ports, **self._load()}
            port = self._ports.get(key)
        if port is None:
            port = self._ports[key] = allocate()
            self._save()
        return port

    def _save(self) -> None:
        write_json_atomic(self.path, self._ports, indent=1)
