"""The ``.pyspire/`` folder beside an ``apphost.py``: one object that names every thing pyspire
keeps there, so no module spells a path of its own.

::

    .pyspire/
      settings.json              parameters and connection strings the user supplies
      persistent-ports.json      host ports of persistent containers, kept across runs
      kubeconfig                 kubectl's way in to the running app host (holds the API token)
      <apphost file>.lock        held by the one app host running that file
      runs/<run id>.json         the run file: pid, API address and token (0600)
      runs/<run id>.sock         the API's Unix socket
      secrets/<run id>/          build secrets handed to the container engine (0700)
      tls/server.pem             the API's certificate and key (0700 folder, 0600 file)
      logs/apphost-*.log         output of app hosts started with --detach

Every file written here is written with :func:`pyspire.runtime.files.write_atomic`: readable only
by the user, and whole or not at all (a crash mid-write leaves the previous content).
Standard library only, like :mod:`pyspire.runtime.files`: the reaper may use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: The folder's name, next to the app host file.
STATE_DIR_NAME = ".pyspire"

SETTINGS_FILE = "settings.json"
PERSISTENT_PORTS_FILE = "persistent-ports.json"
KUBECONFIG_FILE = "kubeconfig"
RUNS_DIR = "runs"
SECRETS_DIR = "secrets"
TLS_DIR = "tls"
TLS_BUNDLE_FILE = "server.pem"
LOGS_DIR = "logs"


@dataclass(frozen=True)
class StateDir:
    """The state folder ``root`` (usually ``<app dir>/.pyspire``) and the path of each thing in it.

    Naming a path creates nothing; writers create the folders they write into."""

    root: Path

    @classmethod
    def of(cls, app_dir: Path) -> StateDir:
        """The state folder of the app whose ``apphost.py`` is in ``app_dir``."""
        return cls(Path(app_dir) / STATE_DIR_NAME)

    @property
    def settings(self) -> Path:
        return self.root / SETTINGS_FILE

    @property
    def persistent_ports(self) -> Path:
        return self.root / PERSISTENT_PORTS_FILE

    @property
    def kubeconfig(self) -> Path:
        return self.root / KUBECONFIG_FILE

    def lock_for(self, app_host: Path) -> Path:
        """The lock held by the app host running ``app_host`` (one per file)."""
        return self.root / f"{app_host.name}.lock"

    @property
    def runs(self) -> Path:
        return self.root / RUNS_DIR

    def run_file(self, run_id: str) -> Path:
        return self.runs / f"{run_id}.json"

    def run_socket(self, run_id: str) -> Path:
        return self.runs / f"{run_id}.sock"

    @property
    def secrets(self) -> Path:
        return self.root / SECRETS_DIR

    def run_secrets(self, run_id: str) -> Path:
        return self.secrets / run_id

    @property
    def tls_bundle(self) -> Path:
        return self.root / TLS_DIR / TLS_BUNDLE_FILE

    @property
    def logs(self) -> Path:
        return self.root / LOGS_DIR
