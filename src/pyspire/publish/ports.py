"""The port each endpoint listens on once published.

Run mode allocates a free port per replica; in a deployment every service has its own network
namespace, so a fixed port per endpoint is both possible and what clients need to know in
advance. The endpoint's own ``target_port`` wins (PostgreSQL's 5432), then a proxyless endpoint's
``port`` (the process listens there itself), else a conventional default by scheme (8080 for
http, 8443 for https, 8000 for anything else), moved up past the ports the resource already uses.
"""

from __future__ import annotations

from pyspire.model.endpoint_annotation import EndpointAnnotation
from pyspire.model.resource import Resource

DEFAULT_PORTS = {"http": 8080, "https": 8443}
OTHER_PORT = 8000


def published_ports(resource: Resource) -> dict[str, int]:
    """Endpoint name → the port its process listens on inside the service."""
    fixed: dict[str, int] = {}
    for endpoint in resource.endpoints:
        port = endpoint.target_port if endpoint.target_port is not None else None
        if port is None and not endpoint.proxied:
            port = endpoint.port
        if port is not None:
            fixed[endpoint.name] = port
    used = set(fixed.values())
    ports: dict[str, int] = {}
    for endpoint in resource.endpoints:
        if endpoint.name in fixed:
            ports[endpoint.name] = fixed[endpoint.name]
            continue
        port = _default(endpoint)
        while port in used:
            port += 1
        used.add(port)
        ports[endpoint.name] = port
    return ports


def _default(endpoint: EndpointAnnotation) -> int:
    return DEFAULT_PORTS.get(endpoint.scheme, OTHER_PORT)
