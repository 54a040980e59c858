"""THE API client of a cluster: one per cluster, kept for the cluster's lifetime.

The toolkit integration this follows made (and leaked) a Kubernetes client at every health check.
Here the cluster's health check makes one :class:`ClusterClient` when the kubeconfig first
appears, uses it at every check after, and replaces it only when the credentials or the address
change (a recreated cluster: new CA); it is closed when the cluster stops. Everything else that
talks to the cluster from the app host — the service endpoints' port-forwarder — takes the same
client from :func:`cluster_client`, so one connection pool serves them all.

The client certificate and key must reach :meth:`ssl.SSLContext.load_cert_chain` as files: they
are written (0600, in a 0700 folder of the cluster) just before it and removed right after it, so
no key file outlives the call, whatever happens to the app host later.
"""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyspire.extensions import write_atomic
from pyspire.integrations.k3s.errors import ApiUnavailable, StaleCredentials
from pyspire.integrations.k3s.kubeconfig import Credentials
from pyspire.integrations.k3s.paths import ClusterPaths

if TYPE_CHECKING:
    import httpx

#: Per request: below the health check's own limit (2 s), so a hung server reports itself.
REQUEST_TIMEOUT = 0.9


class ClusterClient:
    """An ``httpx.AsyncClient`` for one cluster's API: its CA trusted, its admin certificate
    presented. ``http`` is for callers that need more than :meth:`get_json` (websockets)."""

    def __init__(self, paths: ClusterPaths, credentials: Credentials, server_url: str) -> None:
        import httpx

        self.paths = paths
        self.server_url = server_url
        self.fingerprint = credentials.fingerprint
        self._ssl = _ssl_context(paths.client_dir, credentials)
        self.http: httpx.AsyncClient = httpx.AsyncClient(
            base_url=server_url, verify=self._ssl, timeout=REQUEST_TIMEOUT
        )
        self._loop = asyncio.get_running_loop()

    def ssl_context(self) -> ssl.SSLContext:
        """The TLS settings of this cluster (its CA, the client certificate), for a connection
        ``http`` does not make itself."""
        return self._ssl

    def matches(self, credentials: Credentials, server_url: str) -> bool:
        """Whether this client still fits the kubeconfig (same CA and credentials, same address)
        and the running event loop (a client belongs to the loop it was made on)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        return (
            credentials.fingerprint == self.fingerprint
            and server_url == self.server_url
            and loop is self._loop
            and not self.http.is_closed
        )

    async def get_json(self, path: str, timeout: float | None = None) -> Any:
        """GET ``path`` of the API and decode it. Raises :class:`ApiUnavailable` when nothing
        answers (or 5xx), :class:`StaleCredentials` on a TLS failure or 401/403, and
        ``httpx.HTTPStatusError`` for another error status (a 404 the caller explains)."""
        response = await self._get(path, timeout)
        response.raise_for_status()
        return response.json()

    async def get_text(self, path: str, timeout: float | None = None) -> str:
        """GET ``path`` and return the body (``/readyz`` answers text); anything but 200 is
        :class:`ApiUnavailable` (a server not ready says so with 500 or 503)."""
        response = await self._get(path, timeout)
        if response.status_code != 200:
            raise ApiUnavailable(
                f"{self.server_url}{path} answered {response.status_code}: {response.text[:200].strip()}"
            )
        return response.text

    async def _get(self, path: str, timeout: float | None) -> httpx.Response:
        import httpx

        try:
            response = await self.http.get(path, timeout=timeout or REQUEST_TIMEOUT)
        except httpx.ConnectError as exc:
            if _is_tls_failure(exc):
                raise StaleCredentials(f"TLS with {self.server_url} failed: {exc}") from None
            raise ApiUnavailable(f"{self.server_url} does not answer: {exc or type(exc).__name__}") from None
        except httpx.TransportError as exc:
            raise ApiUnavailable(f"{self.server_url}{path}: {type(exc).__name__} {exc}".rstrip()) from None
        if response.status_code in (401, 403):
            raise StaleCredentials(
                f"{self.server_url} refused the kubeconfig's client certificate ({response.status_code})"
            )
        if response.status_code >= 500:
            raise ApiUnavailable(
                f"{self.server_url}{path} answered {response.status_code}: {response.text[:200].strip()}"
            )
        return response

    async def aclose(self) -> None:
        try:
            if asyncio.get_running_loop() is self._loop:
                await self.http.aclose()
        except RuntimeError:
            pass  # no loop: the one it belonged to is gone, and its connections with it


def _ssl_context(folder: Path, credentials: Credentials) -> ssl.SSLContext:
    """Trust only the cluster's CA; present its client certificate (files exist only during
    ``load_cert_chain``)."""
    context = ssl.create_default_context(cadata=credentials.ca_pem.decode())
    cert, key = folder / "client.crt", folder / "client.key"
    try:
        write_atomic(cert, credentials.client_cert_pem, private_folder=True)
        write_atomic(key, credentials.client_key_pem, private_folder=True)
        context.load_cert_chain(cert, key)
    finally:
        cert.unlink(missing_ok=True)
        key.unlink(missing_ok=True)
        try:
            folder.rmdir()
        except OSError:
            pass
    return context


def _is_tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return "CERTIFICATE_VERIFY_FAILED" in str(exc) or "SSL" in str(exc)


# -- the registry: the one client of each cluster --------------------------------------------------

_clients: dict[Path, ClusterClient] = {}


def cluster_client(paths: ClusterPaths) -> ClusterClient:
    """The client of the cluster whose files are at ``paths``. Raises :class:`ApiUnavailable`
    before the cluster's health check has made one (the cluster has not started, or has not
    written its kubeconfig yet): wait for the cluster first. Ask again for each use rather than
    keeping it: a recreated cluster's client replaces (and closes) the old one."""
    client = _clients.get(paths.root)
    if client is None:
        raise ApiUnavailable(f"the cluster at {paths.root} has no API client yet: it has not become ready")
    return client


async def client_for(
    paths: ClusterPaths, credentials: Credentials, server_url: str
) -> tuple[ClusterClient, bool]:
    """The cluster's client for these credentials: the current one when it still fits, else a
    new one (the old one closed). Returns it and whether it is new."""
    current = _clients.get(paths.root)
    if current is not None and current.matches(credentials, server_url):
        return current, False
    if current is not None:
        await current.aclose()
    client = ClusterClient(paths, credentials, server_url)
    _clients[paths.root] = client
    return client, True


async def close_client(paths: ClusterPaths) -> None:
    """Close and forget the cluster's client (the cluster stopped)."""
    client = _clients.pop(paths.root, None)
    if client is not None:
        await client.aclose()
