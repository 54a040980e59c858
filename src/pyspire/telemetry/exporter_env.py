"""The OTLP exporter variables every replica gets: where to send, how, with which key.

The variables are the OpenTelemetry SDKs' own (every language's SDK reads them), so an app
instrumented with any SDK exports to the app host without a line of configuration, as under
Aspire. A process reaches the receiver on loopback (``localhost``); a container at the engine's
host alias, on the port the app host's proxy on the container network's gateway forwards to the
receiver (:class:`~pyspire.extensions.ContainerAccess`). The API key travels in
``OTEL_EXPORTER_OTLP_HEADERS``, marked secret so no snapshot, ``describe`` or log shows it. The
batch delays are one second instead of the SDK's five (spans, logs) and sixty (metrics): a
developer looking at the dashboard wants to see what just happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pyspire.extensions import SecretEnvValue
from pyspire.model import ContainerResource, Resource
from pyspire.model.otlp_exporter import otlp_exporter_of
from pyspire.telemetry.api_key import API_KEY_HEADER

#: Short export delays (milliseconds), and exemplars only for sampled spans (the SDK default
#: would attach none, or every one): what every exporting replica gets.
EXPORT_TUNING: Mapping[str, str] = {
    "OTEL_BSP_SCHEDULE_DELAY": "1000",
    "OTEL_BLRP_SCHEDULE_DELAY": "1000",
    "OTEL_METRIC_EXPORT_INTERVAL": "1000",
    "OTEL_METRICS_EXEMPLAR_FILTER": "trace_based",
}


@dataclass(frozen=True)
class ReceiverAddresses:
    """Where a replica sends: the receiver's loopback ports for processes; for containers the
    host alias and the ports of the gateway proxy (None: the app runs no containers)."""

    grpc_port: int
    http_port: int
    host_alias: str = "host.containers.internal"
    container_grpc_port: int | None = None
    container_http_port: int | None = None


def exporter_env(resource: Resource, suffix: str, addresses: ReceiverAddresses, api_key: str) -> Mapping[str, str]:
    """``OTEL_EXPORTER_OTLP_*`` for one replica of ``resource``: an address it can reach (loopback
    for a process, the container host alias for a container), the API key header, short batch
    delays; nothing for a resource that opted out (``with_otlp_exporter(False)``)."""
    exporter = otlp_exporter_of(resource)
    if not exporter.enabled:
        return {}
    grpc = exporter.protocol == "grpc"
    if isinstance(resource, ContainerResource):
        port = addresses.container_grpc_port if grpc else addresses.container_http_port
        if port is None:
            return {}  # no gateway proxy: nothing the container could reach
        endpoint = f"http://{addresses.host_alias}:{port}"
    else:
        endpoint = f"http://localhost:{addresses.grpc_port if grpc else addresses.http_port}"
    return {
        "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint,
        "OTEL_EXPORTER_OTLP_PROTOCOL": exporter.protocol,
        "OTEL_EXPORTER_OTLP_HEADERS": SecretEnvValue(f"{API_KEY_HEADER}={api_key}"),
        **EXPORT_TUNING,
    }
