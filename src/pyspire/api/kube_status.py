"""Errors of the object API as Kubernetes ``Status`` objects.

Kubernetes clients read the ``reason`` and ``code`` to decide what to do (retry on Conflict,
re-list on Expired) and print the ``message`` as is: kubectl shows ``Error from server
(NotFound): executables.pyspire.dev "x" not found`` only when the message has that shape and
``details`` names the resource, so the messages here follow the API server's wording.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from pyspire.errors import PyspireError
from pyspire.orchestrator.store import (
    API_GROUP,
    AlreadyExists,
    Conflict,
    NotFound,
    ResourceVersionGone,
    StoreError,
)

_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    415: "UnsupportedMediaType",
    422: "Invalid",
    500: "InternalError",
}


class KubeError(PyspireError):
    """An error answered as a ``Status``; ``reason`` defaults to the code's usual one."""

    def __init__(
        self, code: int, message: str, reason: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason or _REASONS.get(code, "Unknown")
        self.details = details

    def status(self) -> dict[str, Any]:
        return status_object(self.code, self.message, self.reason, self.details)

    def response(self) -> JSONResponse:
        return JSONResponse(self.status(), status_code=self.code)


def status_object(
    code: int, message: str, reason: str | None = None, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    status: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success" if code < 400 else "Failure",
        "message": message,
        "reason": reason or _REASONS.get(code, "Unknown"),
        "code": code,
    }
    if details is not None:
        status["details"] = details
    return status


def qualified(plural: str, group: str = API_GROUP) -> str:
    """``executables.pyspire.dev``: how the API server names a resource in its messages."""
    return f"{plural}.{group}"


def not_found(plural: str, name: str, group: str = API_GROUP) -> KubeError:
    return KubeError(
        404,
        f'{qualified(plural, group)} "{name}" not found',
        details={"name": name, "group": group, "kind": plural},
    )


def conflict(plural: str, name: str, why: str, group: str = API_GROUP) -> KubeError:
    return KubeError(
        409,
        f'Operation cannot be fulfilled on {qualified(plural, group)} "{name}": {why}',
        details={"name": name, "group": group, "kind": plural},
    )


def gone(why: str) -> KubeError:
    """What a watch gets when it asks for a version the store no longer keeps: re-list."""
    return KubeError(410, f"too old resource version: {why}", reason="Expired")


def from_store(error: StoreError, plural: str, name: str, group: str = API_GROUP) -> KubeError:
    """The store's own errors, worded as the API server words them."""
    if isinstance(error, NotFound):
        return not_found(plural, name, group)
    if isinstance(error, AlreadyExists):
        return KubeError(
            409,
            f'{qualified(plural, group)} "{name}" already exists',
            reason="AlreadyExists",
            details={"name": name, "group": group, "kind": plural},
        )
    if isinstance(error, Conflict):
        return conflict(plural, name, str(error), group)
    if isinstance(error, ResourceVersionGone):
        return gone(str(error))
    return KubeError(error.status_code, str(error))
