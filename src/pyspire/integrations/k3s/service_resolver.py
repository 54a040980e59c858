"""Which pod a Service endpoint forwards to now: the Service, its selector, its ready pods.

Port-forward reaches a pod, so the endpoint does what kube-proxy would: read the Service, refuse
one without a selector (never "all pods"), list the pods it selects, keep the first ready one and
map the Service port to that pod's targetPort. It asks again every couple of seconds — at once
when the forwarder found the pod gone — so a replaced pod is picked up; while none is ready the
waits grow (:class:`~.portforward.Backoff`) and connections park in the forwarder.
All of it goes through the cluster's one client: nothing here creates a client.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Callable, Mapping
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from pyspire.errors import PermanentError, TemporaryError
from pyspire.integrations.k3s.pod_resolver import choose_ready_pod, service_port_spec, target_port
from pyspire.integrations.k3s.pod_stream import PodPort
from pyspire.integrations.k3s.portforward import Backoff
from pyspire.integrations.k3s.selector import label_selector_string, service_selector

#: Seconds between two looks while a pod is ready (a deleted pod is also noticed on its next
#: connection, which asks for a look at once).
POLL_INTERVAL = 2.0
#: Per API request of the resolver.
REQUEST_TIMEOUT = 5.0


class ClusterApi(Protocol):
    """What the endpoint needs of a cluster's client: its API address and its HTTP client
    (:class:`~pyspire.integrations.k3s.client.ClusterClient` is one)."""

    @property
    def server_url(self) -> str: ...

    @property
    def http(self) -> httpx.AsyncClient: ...

    def ssl_context(self) -> ssl.SSLContext:
        """Its TLS settings, for the port-forward connections it does not make itself."""
        ...


class UnknownServiceError(PermanentError, LookupError):
    """The Service (or its namespace) does not exist in the cluster."""


class ClusterApiError(TemporaryError, RuntimeError):
    """The API server did not answer, or answered with an error other than "not found"."""


class ServiceResolver:
    """Resolves ``namespace/service:port`` to a :class:`PodPort`, and keeps doing so. ``api``
    gives the cluster's client at each use (a recreated cluster's replaces the old one)."""

    def __init__(
        self,
        api: Callable[[], ClusterApi],
        namespace: str,
        service: str,
        port: int,
        publish: Callable[[PodPort | None], None],
        log: Callable[[str], None],
        poll_interval: float = POLL_INTERVAL,
        backoff: Backoff | None = None,
    ) -> None:
        self._api = api
        self.namespace = namespace
        self.service = service
        self.port = port
        self._publish = publish
        self._log = log
        self._poll = poll_interval
        self._backoff = backoff or Backoff()
        self._nudged = asyncio.Event()
        self._current: PodPort | None = None
        self._last_problem: str | None = None
        self._announced: PodPort | None = None

    @property
    def current(self) -> PodPort | None:
        return self._current

    def nudge(self, gone: PodPort | None = None) -> None:
        """Look again now (the forwarder could not open a stream to ``gone``)."""
        if gone is not None and gone == self._current:
            self._current = None
        self._nudged.set()

    async def resolve(self) -> PodPort | None:
        """The pod and port to forward to now, or None while no selected pod is ready. An
        unknown Service, an empty selector or a port the Service lacks raise (permanent)."""
        service = await self._get(
            f"/api/v1/namespaces/{quote(self.namespace, safe='')}/services/{quote(self.service, safe='')}"
        )
        if service is None:
            raise UnknownServiceError(
                f"Service {self.service!r} not found in namespace {self.namespace!r}. Create it "
                "(a manifest or Helm release of this cluster: make the endpoint .wait_for() it), "
                "or pass the right service= / namespace= to add_service_endpoint."
            )
        selector = label_selector_string(service_selector(service))
        port_spec = service_port_spec(service, self.port)
        pods = await self._get(
            f"/api/v1/namespaces/{quote(self.namespace, safe='')}/pods?labelSelector={quote(selector, safe='')}"
        )
        pod = choose_ready_pod((pods or {}).get("items") or [])
        if pod is None:
            return None
        return PodPort(self.namespace, str(pod["metadata"]["name"]), target_port(port_spec, pod))

    async def run(self) -> None:
        """Resolve forever, publishing every change; cancelled to stop."""
        while True:
            self._nudged.clear()
            try:
                target = await self.resolve()
            except (PermanentError, TemporaryError) as exc:
                target = None
                self._say(f"cannot forward: {exc}")
            else:
                if target is None:
                    self._say(
                        f"no ready pod of Service {self.namespace}/{self.service}; "
                        "connections wait for one"
                    )
                else:
                    self._last_problem = None
            # Every look is published (the forwarder and the snapshot change only on a change;
            # a pod published now drains the connections parked meanwhile).
            self._current = target
            self._publish(target)
            if target is not None and target != self._announced:
                self._log(f"forwarding to {target}")
            self._announced = target
            if target is not None:
                self._backoff.reset()
                delay = self._poll
            else:
                delay = self._backoff.next_delay()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._nudged.wait()

    def _say(self, problem: str) -> None:
        """Log a problem once, not at every look."""
        if problem != self._last_problem:
            self._log(problem)
            self._last_problem = problem

    async def _get(self, path: str) -> Mapping[str, Any] | None:
        """GET an API path as JSON; None for 404."""
        try:
            api = self._api()
            response = await api.http.get(api.server_url.rstrip("/") + path, timeout=REQUEST_TIMEOUT)
        except httpx.HTTPError as exc:
            raise ClusterApiError(f"the cluster's API server did not answer: {exc!r}") from exc
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise ClusterApiError(f"GET {path}: HTTP {response.status_code}: {response.text[:300]}")
        body: Mapping[str, Any] = response.json()
        return body
