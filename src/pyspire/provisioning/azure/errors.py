"""azure.core's errors, sorted into pyspire's families: throttling, server errors and connection
trouble are :class:`TemporaryError` (the controller retries), ARM's verdicts are
:class:`DeploymentFailed`, credentials that are missing or rejected are :class:`PermanentError`
with the way out. Classified by class name and status, so this module imports no SDK. Messages
name the resource and the call, never a token or a key."""

from __future__ import annotations

from typing import Any

from pyspire.errors import PermanentError, PyspireError, TemporaryError
from pyspire.provisioning.errors import DeploymentFailed
from pyspire.provisioning.states import Presence

CREDENTIALS_HINT = "az login, or set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET"
PERMISSION_HINT = "grant the signed-in identity a role that allows it (Contributor on the subscription or resource group)"
TEMPORARY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
NOT_FOUND_CODES = frozenset(
    {"ResourceNotFound", "ResourceGroupNotFound", "DeploymentNotFound", "NotFound", "ParentResourceNotFound"}
)


def _names(e: BaseException) -> set[str]:
    return {c.__name__ for c in type(e).__mro__}


def status_of(e: BaseException) -> int:
    status = getattr(e, "status_code", None)
    return status if isinstance(status, int) else 0


def error_code(e: BaseException) -> str:
    error: Any = getattr(e, "error", None)
    return str(getattr(error, "code", "") or "")


def _first_detail(error: Any) -> Any:
    """ARM's innermost first detail: the error that says what went wrong (the top level says
    only "At least one resource deployment operation failed")."""
    while True:
        details = getattr(error, "details", None) if not isinstance(error, dict) else error.get("details")
        if not details:
            return error
        error = details[0]


def arm_message(error: Any) -> str:
    """``code: message`` of ARM's first error detail (an ``ODataV4Format``, a model or a dict)."""
    inner = _first_detail(error)
    if isinstance(inner, dict):
        code, message = inner.get("code", ""), inner.get("message", "")
    else:
        code, message = getattr(inner, "code", ""), getattr(inner, "message", "")
    text = str(message or "").strip()
    return f"{code}: {text}" if code and text else str(text or code or "no error given")


def error_message(e: BaseException) -> str:
    error: Any = getattr(e, "error", None)
    if error is not None and (getattr(error, "message", None) or getattr(error, "details", None)):
        return arm_message(error)
    message = str(getattr(e, "message", "") or e).strip()
    return message.splitlines()[0] if message else type(e).__name__


def is_missing(e: BaseException) -> bool:
    """ARM said the thing does not exist (as opposed to: could not tell)."""
    return "ResourceNotFoundError" in _names(e) or (status_of(e) == 404) or error_code(e) in NOT_FOUND_CODES


def is_credential_error(e: BaseException) -> bool:
    return bool(_names(e) & {"ClientAuthenticationError", "CredentialUnavailableError"}) or status_of(e) == 401


def presence_of(e: BaseException) -> Presence:
    """A drift probe's failed call: missing only when ARM said so, else unknown."""
    return Presence.MISSING if is_missing(e) and not is_credential_error(e) else Presence.UNKNOWN


def translate(e: BaseException, what: str) -> PyspireError:
    """``e`` as a pyspire error whose message starts with ``what`` (the resource and the call)."""
    if isinstance(e, PyspireError):
        return e
    names = _names(e)
    if is_credential_error(e):
        return PermanentError(
            f"{what}: no usable Azure credentials ({type(e).__name__}: {error_message(e)}): {CREDENTIALS_HINT}"
        )
    if names & {"ServiceRequestError", "ServiceResponseError", "ServiceRequestTimeoutError", "ServiceResponseTimeoutError"}:
        return TemporaryError(f"{what}: cannot reach Azure: {error_message(e)} (check the network)", delay=1.0)
    status = status_of(e)
    if status in TEMPORARY_STATUS:
        return TemporaryError(f"{what}: Azure answered {status}: {error_message(e)}", delay=2.0)
    if status == 403:
        return PermanentError(f"{what}: Azure refused it ({error_message(e)}): {PERMISSION_HINT}")
    if "HttpResponseError" in names:
        return DeploymentFailed(f"{what}: {error_message(e)}")
    return PermanentError(f"{what}: {type(e).__name__}: {error_message(e)}")
