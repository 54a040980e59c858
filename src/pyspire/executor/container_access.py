"""The app host's :class:`~pyspire.extensions.ContainerAccess`: a loopback port of an app host
service (the OTLP receiver), reachable from the app's containers.

The port gets a proxied Service on the run's container network, as a host process's endpoint
does (:mod:`pyspire.orchestrator.services`): its proxy listens on loopback and on the network's
gateway — what the engine's host alias resolves to inside a container — and forwards to the
service's port. Nothing listens on any other interface. The Service and its Endpoint are objects
like any other, so the orchestrator's teardown closes the proxy after the last resource is gone.

When the app has a persistent container the proxy's port is kept across runs (in
``.pyspire/persistent-ports.json``, as the container's own host ports are): the port is in the
container's environment, and a changed environment would recreate it on every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pyspire.executor.container_setup import NETWORK_OBJECT
from pyspire.executor.persistent_ports import PersistentPorts
from pyspire.model.resources import ContainerResource, Resource
from pyspire.orchestrator.objects import new_endpoint, new_service
from pyspire.orchestrator.orchestrator import Orchestrator
from pyspire.runtime.state_dir import StateDir

#: What ``host_alias`` says before an engine answered (podman is pyspire's first choice).
DEFAULT_HOST_ALIAS = "host.containers.internal"
#: The ``LABEL_RESOURCE`` of these Services: no model resource owns them.
APP_HOST_OWNER = "pyspire-app-host"


class ProxiedContainerAccess:
    def __init__(self, orchestrator: Orchestrator, resources: Sequence[Resource], app_dir: Path) -> None:
        self._orchestrator = orchestrator
        containers = [r for r in resources if isinstance(r, ContainerResource)]
        self._has_containers = bool(containers)
        self._kept_ports = (
            PersistentPorts(StateDir.of(app_dir).root) if any(c.persistent for c in containers) else None
        )
        self._exposed: dict[str, int] = {}

    def expose(self, name: str, port: int) -> int | None:
        """A Service ``app-host-<name>`` on a port allocated now (so a container's variables can
        name it before the proxy binds), forwarding to ``127.0.0.1:<port>``."""
        if not self._has_containers:
            return None
        if name in self._exposed:
            return self._exposed[name]
        store = self._orchestrator.store
        service = f"app-host-{name}"
        ports = self._orchestrator.ports
        if self._kept_ports is None:
            proxy_port = ports.allocate("127.0.0.1", "tcp")
        else:
            proxy_port = self._kept_ports.port_for(f"{APP_HOST_OWNER}/{name}", lambda: ports.allocate("127.0.0.1", "tcp"))
            ports.claim(proxy_port)
        store.create(
            new_service(
                service,
                resource=APP_HOST_OWNER,
                endpoint=name,
                protocol="tcp",
                address="localhost",
                port=proxy_port,
                proxied=True,
                container_network=NETWORK_OBJECT,
            )
        )
        store.create(new_endpoint(f"{service}-0", service=service, owner=APP_HOST_OWNER, address="127.0.0.1", port=port))
        self._exposed[name] = proxy_port
        return proxy_port

    def host_alias(self) -> str:
        runtime = self._orchestrator.engines.runtime
        return runtime.host_alias if runtime is not None else DEFAULT_HOST_ALIAS
