"""Serving the control API for the lifetime of a running app host.

:func:`serve_api` binds the server (127.0.0.1 and a random port unless ``PYSPIRE_API_HOST`` /
``PYSPIRE_API_PORT`` say otherwise; a Unix socket beside the run file as well), writes the
kubeconfig, and yields where clients reach it. The caller records that in the run file. Leaving
ends every open stream, closes the server and removes the kubeconfig.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from pyspire.api.application import create_app
from pyspire.api.auth import new_token
from pyspire.api.context import ApiContext
from pyspire.api.kubeconfig import KUBECONFIG_FILE, remove_kubeconfig, write_kubeconfig
from pyspire.api.server import ApiServer

OPENAPI_PATH = "/v1/openapi.json"


class ApiSettingError(ValueError):
    """``PYSPIRE_API_PORT`` / ``PYSPIRE_API_HOST`` hold something unusable."""


@dataclass(frozen=True)
class ApiEndpoint:
    """Where the running app host's control API is, and the token it wants."""

    url: str
    token: str
    socket: str | None
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
async def serve_api(context: ApiContext, state_dir: Path, socket_path: Path | None) -> AsyncIterator[ApiEndpoint]:
    host, port = api_address()
    token = new_token()
    server = ApiServer(create_app(context, token), host, port, socket_path)
    await server.start()
    kubeconfig = state_dir / KUBECONFIG_FILE
    try:
        write_kubeconfig(kubeconfig, server.url, token, context.info.name)
        endpoint = ApiEndpoint(
            server.url, token, str(server.socket_path) if server.socket_path else None, str(kubeconfig)
        )
        context.urls.update(
            {"api": server.url, "openapi": server.url + OPENAPI_PATH, "kubeconfig": str(kubeconfig)}
        )
        if endpoint.socket:
            context.urls["socket"] = endpoint.socket
        yield endpoint
    finally:
        context.closing.set()
        await server.close()
        remove_kubeconfig(kubeconfig, server.url)
