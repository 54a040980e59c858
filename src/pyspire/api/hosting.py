"""Serving the control API for the lifetime of a running app host.

:func:`serve_api` binds the server (127.0.0.1 and a random port unless ``PYSPIRE_API_HOST`` /
``PYSPIRE_API_PORT`` say otherwise; a Unix socket beside the run file as well), and yields where
clients reach it. The caller records that in the run file. Leaving ends every open stream, closes
the servers and removes the kubeconfig.

Kubernetes clients get a second listener serving the same app over HTTPS (client-go sends a
token only over TLS). Its socket is bound at once, so its URL is in the yielded endpoint, but its
certificate may have to be generated first (see :mod:`pyspire.api.tls`): that, starting it and
writing the kubeconfig happen in the background, so the resources never wait for them. A client
that connects meanwhile waits in the listen backlog; the kubeconfig appears once it can be used.

The three listeners share one :class:`~pyspire.api.connection_guard.ConnectionGuard`: together
they keep at most so many connections that sent no request, and stop accepting before the app
host's descriptors run out; running out is logged once, not per accept.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from starlette.routing import BaseRoute

from pyspire.api.application import create_app
from pyspire.api.auth import new_token
from pyspire.api.connection_guard import ConnectionGuard
from pyspire.api.context import ApiContext
from pyspire.api.kubeconfig import remove_kubeconfig, write_kubeconfig
from pyspire.api.openapi import OPENAPI_PATH
from pyspire.api.server import ApiServer
from pyspire.api.tls import ensure_certificate
from pyspire.errors import ConfigurationError
from pyspire.runtime.state_dir import StateDir

log = logging.getLogger(__name__)


class ApiSettingError(ConfigurationError, ValueError):
    """``PYSPIRE_API_PORT`` / ``PYSPIRE_API_HOST`` hold something unusable."""


@dataclass(frozen=True)
class ApiEndpoint:
    """Where the running app host's control API is, and the token it wants."""

    url: str
    token: str
    socket: str | None
    #: Written once the HTTPS listener serves (a moment after start when the certificate is new).
    kubeconfig: str
    #: The HTTPS listener Kubernetes clients use (kubectl sends a token only over TLS).
    kube_url: str | None = None


def api_address(environ: dict[str, str] | None = None) -> tuple[str, int]:
    env = os.environ if environ is None else environ
    host = env.get("PYSPIRE_API_HOST") or "127.0.0.1"
    raw = env.get("PYSPIRE_API_PORT") or "0"
    try:
        port = int(raw)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise ApiSettingError(
            f"PYSPIRE_API_PORT={raw!r} is not a port; set a number from 1 to 65535, or unset it for a random port"
        )
    return host, port


@contextlib.asynccontextmanager
async def serve_api(
    context: ApiContext, state_dir: Path, socket_path: Path | None, extra_routes: Sequence[BaseRoute] = ()
) -> AsyncIterator[ApiEndpoint]:
    guard = ConnectionGuard()
    with guard.reporting_exhaustion(asyncio.get_running_loop()):
        async with _serving(context, state_dir, socket_path, guard, extra_routes) as endpoint:
            yield endpoint


@contextlib.asynccontextmanager
async def _serving(
    context: ApiContext,
    state_dir: Path,
    socket_path: Path | None,
    guard: ConnectionGuard,
    extra_routes: Sequence[BaseRoute],
) -> AsyncIterator[ApiEndpoint]:
    host, port = api_address()
    token = new_token()
    app = create_app(context, token, extra_routes)
    server = ApiServer(app, host, port, socket_path, guard=guard)
    kube = ApiServer(app, host, 0, tls=True, guard=guard)
    kubeconfig = StateDir(state_dir).kubeconfig
    bring_up: asyncio.Task[None] | None = None
    try:
        await server.start()
        kube.bind()
        bring_up = asyncio.create_task(
            _serve_kube(kube, state_dir, kubeconfig, token, context.info.name), name="control-api-tls-start"
        )
        socket = str(server.socket_path) if server.socket_path else None
        endpoint = ApiEndpoint(server.url, token, socket, str(kubeconfig), kube.url)
        context.urls.update(
            {
                "api": server.url,
                "openapi": server.url + OPENAPI_PATH,
                "kubeconfig": str(kubeconfig),
                "kube": kube.url,
            }
        )
        if endpoint.socket:
            context.urls["socket"] = endpoint.socket
        yield endpoint
    finally:
        context.closing.set()
        if bring_up is not None:
            bring_up.cancel()
            await asyncio.gather(bring_up, return_exceptions=True)
        await asyncio.gather(server.close(), kube.close())
        remove_kubeconfig(kubeconfig, kube.url)


async def _serve_kube(kube: ApiServer, state_dir: Path, kubeconfig: Path, token: str, name: str) -> None:
    """Get the certificate (generated in a thread when there is no valid cached one), serve
    HTTPS, then write the kubeconfig. A failure costs kubectl access, not the app host."""
    try:
        certificate = await ensure_certificate(state_dir)
        await kube.start(certificate.bundle)
        write_kubeconfig(kubeconfig, kube.url, token, name, certificate.ca_pem)
    except Exception as exc:  # whatever it is, the rest of the API keeps serving
        log.warning("the Kubernetes API (%s) is not available: %s", kube.url, exc, exc_info=exc)
