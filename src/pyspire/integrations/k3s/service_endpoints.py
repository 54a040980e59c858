"""``cluster.add_service_endpoint(...)``: a host endpoint forwarded to a ready pod of a Service.

The endpoint is a child resource of the cluster with a pyspire endpoint of its own — a loopback
port allocated like any other, which ``with_reference(it)`` and ``get_endpoint(...)`` hand to
other resources — that the app host serves itself: it waits for the cluster, resolves the Service
to a ready pod (:mod:`.service_resolver`) and forwards each accepted connection as a pair of
streams in that pod's port-forward tunnel (:mod:`.pod_tunnel`, :mod:`.forwarder`; one websocket
per connection, :mod:`.pod_stream`, where the API server does not take the tunnel), all through
the cluster's one client. A Service that is missing, has no selector or lacks the port fails this resource, with
the fix, and only it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import ClassVar

from pyspire.extensions import (
    HealthStatus,
    ResourceHandlerBase,
    ResourceState,
    TemporaryError,
    resource_handlers,
)
from pyspire.integrations.k3s.forwarder import Forwarder, Upstream
from pyspire.integrations.k3s.pod_stream import PodPort, PortForwardError
from pyspire.integrations.k3s.pod_tunnel import PodTunnels
from pyspire.integrations.k3s.service_resolver import ClusterApi, ServiceResolver
from pyspire.model.arguments import Arg
from pyspire.model.endpoints import EndpointAnnotation, EndpointReference
from pyspire.model.lifecycle import WaitAnnotation
from pyspire.model.lifecycle_builder import LifecycleBuilder
from pyspire.model.resource import Resource
from pyspire.model.resource_builder import ModelCollector

#: How the endpoint reaches its cluster's one client, asked again at each use (a recreated
#: cluster's client replaces the old one); the cluster's builder supplies it.
ClusterApiProvider = Callable[[], ClusterApi]

#: Connections held while no pod is ready, and for how long (the proxy's own defaults).
MAX_PARKED = 20
PARK_TIMEOUT = 30.0


class ServiceEndpointResource(Resource):
    """A host port forwarded to ``namespace/service:port`` of a cluster."""

    resource_type: ClassVar[str] = "K3sServiceEndpoint"

    def __init__(
        self, name: str, cluster: Resource, api: ClusterApiProvider, service: str, port: int, namespace: str
    ) -> None:
        super().__init__(name)
        self.cluster = cluster
        self.api = api
        self.service = service
        self.port = port
        self.namespace = namespace
        self.max_parked = MAX_PARKED
        self.park_timeout = PARK_TIMEOUT

    @property
    def endpoint_name(self) -> str:
        return self.endpoints[0].name if self.endpoints else "tcp"

    @property
    def waits(self) -> list[WaitAnnotation]:
        return self.annotations_of(WaitAnnotation)


class ServiceEndpointBuilder(LifecycleBuilder[ServiceEndpointResource]):
    """A Service endpoint: reference it, ``wait_for`` it, ``get_endpoint`` its port."""

    def get_endpoint(self, name: str | None = None) -> EndpointReference:
        """The endpoint (``tcp``, or ``http`` with ``scheme="http"``); ``url``, ``host``, ``port``…"""
        return EndpointReference(self.resource, name or self.resource.endpoint_name)

    def with_parked_connections(self, limit: int, timeout: float = PARK_TIMEOUT) -> ServiceEndpointBuilder:
        """Hold at most ``limit`` connections, each up to ``timeout`` s, while no pod is ready."""
        if not self._rejects(
            "with_parked_connections",
            Arg("", limit, "whole number", "with_parked_connections(20)"),
        ):
            self.resource.max_parked = limit
            self.resource.park_timeout = float(timeout)
        return self


class ServiceEndpointMethods:
    """``add_service_endpoint`` on the cluster's builder (a mixin of ``K3sClusterBuilder``).

    The host class is a ``ResourceBuilder`` of the cluster and says how to reach the cluster's
    one client through :meth:`_cluster_api_provider`."""

    app: ModelCollector
    resource: Resource

    def _cluster_api_provider(self) -> ClusterApiProvider:
        """The cluster's client, once the cluster is up (the cluster's builder provides it)."""
        raise NotImplementedError(f"{type(self).__name__} must say how to reach its cluster's client")

    def add_service_endpoint(
        self,
        name: str,
        service: str,
        port: int,
        namespace: str = "default",
        *,
        scheme: str = "tcp",
        host_port: int | None = None,
    ) -> ServiceEndpointBuilder:
        """A host endpoint (named ``scheme``: ``tcp``, or ``http``…; on ``host_port``, allocated
        when None) forwarded through the API server's port-forward to a ready pod of Service
        ``namespace/service``, Service port ``port`` (its targetPort, named or numeric, on the
        pod). A child of the cluster that waits for it; fails when the Service is missing, has
        no selector or lacks the port."""
        resource = ServiceEndpointResource(
            name if isinstance(name, str) else repr(name),
            self.resource,
            self._cluster_api_provider(),
            service,
            port,
            namespace,
        )
        builder = ServiceEndpointBuilder(self.app, resource)
        example = "add_service_endpoint('web', service='web', port=80)"
        builder._rejects(
            "add_service_endpoint",
            Arg("name", name, "text", example),
            Arg("service", service, "text", example),
            Arg("port", port, "whole number", example),
            Arg("namespace", namespace, "text", "add_service_endpoint('web', 'web', 80, namespace='apps')"),
            Arg("scheme", scheme, "text", "scheme='http'"),
            Arg("host_port", host_port, "whole number", "host_port=8080", optional=True),
            defines_resource=True,
        )
        self.app.resources.append(resource)
        # Served by the app host itself (no proxy in front): the port is the listener's own.
        endpoint_name = scheme if isinstance(scheme, str) else "tcp"
        fixed_port = host_port if isinstance(host_port, int) else None
        builder._record(EndpointAnnotation(name=endpoint_name, scheme=endpoint_name, port=fixed_port, proxied=False))
        return builder.with_parent(self).wait_for(self)


class ServiceEndpointHandler(ResourceHandlerBase):
    """Listens on the endpoint's port and keeps the Service resolved while it runs."""

    resource: ServiceEndpointResource

    _forwarder: Forwarder | None = None
    _tunnels: PodTunnels | None = None
    _resolver_task: asyncio.Task[None] | None = None
    _shown = False

    async def on_start(self) -> None:
        r = self.resource
        resolver = ServiceResolver(r.api, r.namespace, r.service, r.port, self._published, self.ctx.log)
        try:
            first = await resolver.resolve()
        except TemporaryError as exc:  # the API server is slow to answer: the loop tries again
            self.ctx.log(f"cannot resolve the Service yet: {exc}")
            first = None
        port = int(await self.ctx.resolve(EndpointReference(r, r.endpoint_name).port))
        tunnels = self._tunnels = PodTunnels(r.name, self.ctx.log)

        @contextlib.asynccontextmanager
        async def open_upstream(target: PodPort) -> AsyncIterator[Upstream]:
            try:
                api = r.api()
            except TemporaryError as exc:  # the cluster is being recreated: no client just now
                raise PortForwardError(f"port-forward to {target}: {exc}") from exc
            async with tunnels.open(api, target) as stream:
                yield stream

        forwarder = Forwarder(
            r.name,
            open_upstream,
            self.ctx.log,
            max_parked=r.max_parked,
            max_wait=r.park_timeout,
            pod_gone=resolver.nudge,
        )
        # Loopback, and the container network's gateways when the app runs containers: a
        # container consumer is handed <host alias>:<port>, as for a host process's endpoint.
        addresses = await self.ctx.listen_addresses()
        await forwarder.start(addresses, port)
        self._forwarder, self._shown = forwarder, False
        where = ", ".join(f"{a}:{port}" for a in addresses)
        self.ctx.log(f"listening on {where} for Service {r.namespace}/{r.service} port {r.port}")
        self.ctx.publish(state=ResourceState.RUNNING, message=None)
        self._published(first)
        self._resolver_task = self.ctx.spawn(resolver.run(), "resolver")

    def _published(self, target: PodPort | None) -> None:
        """The resolver's answer: the forwarder follows it; the snapshot shows the pod, and the
        endpoint is healthy only while a pod is ready (what ``wait_for(endpoint)`` waits for)."""
        forwarder = self._forwarder
        if forwarder is None:
            return
        changed = target != forwarder.target or self._shown is False
        forwarder.publish(target)
        if self._tunnels is not None:
            self._tunnels.follow(target)
        if not changed:
            return
        self._shown = True
        r = self.resource
        self.ctx.publish(
            health=HealthStatus.HEALTHY if target else HealthStatus.UNHEALTHY,
            properties=(
                ("service", f"{r.namespace}/{r.service}"),
                ("service port", str(r.port)),
                ("pod", f"{target.pod}:{target.port}" if target else "none ready"),
            ),
        )

    async def on_stop(self) -> None:
        task, self._resolver_task = self._resolver_task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        forwarder, self._forwarder = self._forwarder, None
        if forwarder is not None:
            await forwarder.stop()
        tunnels, self._tunnels = self._tunnels, None
        if tunnels is not None:
            await tunnels.close()


#: Remove the endpoint's handler again (a test that installs its own, say).
unregister_handlers = resource_handlers.register(ServiceEndpointResource, ServiceEndpointHandler)
