"""Service and port planning: one Service per endpoint, created before anything starts.

Each endpoint gets a unique Service name and its ports: a proxied endpoint a proxy port (the
one given, or allocated when the proxy binds) and one target port per replica (a container's:
one host port, the same on every run when it is persistent); an unproxied one a single port.
The allocations go into :class:`EndpointAddresses`, where value resolution waits for them; the
Service watch completes them and keeps each resource's URLs in its snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspire.executor.addresses import EndpointAddresses, EndpointAllocation
from pyspire.executor.persistent_ports import PersistentPorts
from pyspire.executor.snapshots import SnapshotHub, Url
from pyspire.model.endpoints import EndpointAnnotation
from pyspire.model.resources import ContainerResource, Resource, RunnableResource
from pyspire.orchestrator.objects import LABEL_RESOURCE, SERVICE, new_service
from pyspire.orchestrator.orchestrator import Orchestrator


class ServicePlanner:
    def __init__(
        self,
        orchestrator: Orchestrator,
        addresses: EndpointAddresses,
        snapshots: SnapshotHub,
        persistent_ports: PersistentPorts,
    ) -> None:
        self._orchestrator = orchestrator
        self._addresses = addresses
        self._snapshots = snapshots
        self._persistent_ports = persistent_ports
        self._owners: set[str] = set()

    def create_services(self, resources: Sequence[Resource], container_network: str | None) -> None:
        """Services for ``resources``: processes and containers (proxied or not, per endpoint),
        and resources their own handler serves (a k3s service endpoint listens in the app host
        itself): those get a proxyless Service on a port allocated now, which the handler binds."""
        taken: set[str] = set()
        for resource in resources:
            self._owners.add(resource.name)
            for endpoint in resource.endpoints:
                service = f"{resource.name}-{endpoint.name}"
                base, n = service, 1
                while service in taken:
                    n += 1
                    service = f"{base}-{n}"
                taken.add(service)
                self._create_service(resource, endpoint, service, container_network)
            self.publish_urls(resource.name)

    def _create_service(
        self,
        resource: Resource,
        endpoint: EndpointAnnotation,
        service: str,
        container_network: str | None,
    ) -> None:
        ports = self._orchestrator.ports
        is_container = isinstance(resource, ContainerResource)
        if not isinstance(resource, RunnableResource):
            port = endpoint.port or ports.allocate(endpoint.bind_host, endpoint.protocol)
            targets, service_port, proxied = [port], port, False
        elif is_container and endpoint.proxied:
            targets = [self._host_port(resource, endpoint.name, endpoint.protocol)]
            service_port = endpoint.port or 0
            proxied = True
        elif endpoint.proxied:
            targets = [
                endpoint.target_port or ports.allocate(endpoint.bind_host, endpoint.protocol)
                for _ in range(resource.replicas)
            ]
            service_port = endpoint.port or 0
            proxied = True
        else:
            port = (
                endpoint.port or endpoint.target_port or ports.allocate(endpoint.bind_host, endpoint.protocol)
            )
            targets = [port]
            service_port = port
            proxied = False
        allocation = EndpointAllocation(
            resource,
            endpoint,
            service,
            targets,
            container_port=endpoint.target_port if is_container else None,
        )
        if service_port:
            allocation.port.set_result(service_port)
        self._addresses.add(allocation)
        self._orchestrator.store.create(
            new_service(
                service,
                resource=resource.name,
                endpoint=endpoint.name,
                protocol=endpoint.protocol,
                address="localhost",
                port=service_port,
                proxied=proxied,
                # Containers reach host services through the proxy on the network gateway.
                container_network=None if is_container else container_network,
            )
        )

    def _host_port(self, resource: RunnableResource, endpoint_name: str, protocol: str) -> int:
        """A host port for a container's proxied endpoint; the same on every run if persistent."""
        ports = self._orchestrator.ports
        if isinstance(resource, ContainerResource) and resource.persistent:
            port = self._persistent_ports.port_for(
                f"{resource.name}/{endpoint_name}", lambda: ports.allocate("127.0.0.1", protocol)
            )
            ports.claim(port)
            return port
        return ports.allocate("127.0.0.1", protocol)

    def publish_urls(self, name: str) -> None:
        urls = tuple(
            Url(a.endpoint.name, f"{a.endpoint.scheme}://localhost:{a.port.result()}")
            for a in self._addresses.for_resource(name)
            if a.port.done() and not a.port.exception()
        )
        self._snapshots.publish(name, urls=urls)

    async def watch_services(self) -> None:
        """Complete the allocations as proxies bind (or fail), and keep the URLs shown."""
        async for event in self._orchestrator.store.watch(SERVICE):
            status = event.object.get("status", {})
            name = event.name
            if status.get("state") == "Ready":
                self._addresses.service_ready(name, int(status["effectivePort"]))
                self._addresses.mark_bound(name)
            elif status.get("state") == "Failed":
                self._addresses.service_failed(name, str(status.get("message", "failed")))
            owner = event.object["metadata"]["labels"].get(LABEL_RESOURCE)
            if owner in self._owners:
                self.publish_urls(owner)
