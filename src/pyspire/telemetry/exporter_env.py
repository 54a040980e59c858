"""The OTLP exporter variables every replica gets (to be built)."""

from __future__ import annotations

from collections.abc import Mapping

from pyspire.model import Resource
from pyspire.telemetry.receiver import OtlpEndpoints


def exporter_env(resource: Resource, suffix: str, endpoints: OtlpEndpoints, api_key: str) -> Mapping[str, str]:
    """``OTEL_EXPORTER_OTLP_*`` for one replica of ``resource``: an address it can reach (loopback
    for a process, the container host alias for a container), the API key header, short batch
    delays; nothing for a resource that opted out (``with_otlp_exporter(False)``)."""
    return {}
