"""The OTLP API key: what every exporter sends as ``x-otlp-api-key`` and the receiver checks.

A new one per run — unless the app has a persistent container. Such a container outlives the app
host and is re-adopted only while its configuration, environment included, is unchanged; a new
key (in its ``OTEL_EXPORTER_OTLP_HEADERS``) would recreate it on every run. So for those apps the
key is kept in ``.pyspire/otlp-api-key`` (0600, like the generated passwords kept there), and the
re-adopted container's exporter still gets in.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from pyspire.extensions import write_atomic
from pyspire.extensions.app_host_services import AppHostSetup
from pyspire.model import ContainerResource

KEY_FILE = "otlp-api-key"
_KEY = re.compile(r"[0-9a-f]{32}")

#: The header (gRPC metadata key) every exporter sends the run's key in, as Aspire's receiver wants it.
API_KEY_HEADER = "x-otlp-api-key"


def api_key_for(setup: AppHostSetup) -> str:
    if not any(isinstance(r, ContainerResource) and r.persistent for r in setup.model.resources):
        return secrets.token_hex(16)
    return _kept_key(setup.state_dir / KEY_FILE)


def _kept_key(path: Path) -> str:
    try:
        kept = path.read_text().strip()
    except OSError:
        kept = ""
    if _KEY.fullmatch(kept):
        return kept
    key = secrets.token_hex(16)
    write_atomic(path, key, private_folder=True)
    return key
