"""The control API as one ASGI app: the resource API (``/v1``), the object API with Kubernetes
conventions (``/api``, ``/apis``), and the OpenAPI description — all behind the token check."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp

from pyspire.api.auth import TokenAuth
from pyspire.api.context import ApiContext
from pyspire.api.kube import kube_routes
from pyspire.api.openapi import openapi_routes
from pyspire.api.parameters import parameter_routes
from pyspire.api.redacted_store import RedactedStore
from pyspire.api.resources import resource_routes


async def _http_error(request: Request, exc: Exception) -> Response:
    """Errors as Kubernetes ``Status`` objects: kubectl prints their message, other clients read
    ``message`` like any JSON error."""
    assert isinstance(exc, HTTPException)
    reason = {404: "NotFound", 405: "MethodNotAllowed", 400: "BadRequest", 409: "Conflict"}.get(exc.status_code, "Failure")
    message = exc.detail
    if exc.detail == "Not Found":
        message = f"no such path: {request.url.path}"
    elif exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        message = f"{request.method} is not allowed on {request.url.path} (allowed: {allowed})"
    return JSONResponse(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "reason": reason,
            "code": exc.status_code,
            "message": message,
        },
        status_code=exc.status_code,
        headers=exc.headers,  # 405's Allow
    )


def create_app(context: ApiContext, token: str, extra_routes: Sequence[BaseRoute] = ()) -> ASGIApp:
    """``extra_routes``: what app host services add (the telemetry read API), behind the same token."""
    routes = [
        *extra_routes,
        *resource_routes(context),
        *parameter_routes(context),
        *openapi_routes(),
        *kube_routes(
            RedactedStore(context.orchestrator.store, context.orchestrator.redactor),
            context.closing,
            context.orchestrator.kinds,
        ),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error})
    return TokenAuth(app, token)
