"""botocore's errors, sorted into pyspire's families: throttling and connection trouble are
:class:`TemporaryError` (the controller retries), the cloud's verdict and auth are permanent.
Messages name the resource and the way out, never a credential's value."""

from __future__ import annotations

from typing import Any

from pyspire.errors import PermanentError, PyspireError, TemporaryError
from pyspire.provisioning.errors import DeploymentFailed
from pyspire.provisioning.states import Presence

THROTTLING = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "SlowDown",
        "ServiceUnavailable",
        "InternalFailure",
    }
)
AUTH = frozenset(
    {
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "ExpiredToken",
        "ExpiredTokenException",
        "AccessDenied",
        "AccessDeniedException",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId",
        "InvalidSignatureException",
        "AuthFailure",
        "403",
        "Forbidden",
    }
)
NOT_FOUND = frozenset(
    {
        "404",
        "NotFound",
        "NoSuchBucket",
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
        "ResourceNotFoundException",
    }
)
CREDENTIALS_HINT = "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) or AWS_PROFILE"


def error_code(e: BaseException) -> str:
    response: Any = getattr(e, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def error_message(e: BaseException) -> str:
    response: Any = getattr(e, "response", None)
    if isinstance(response, dict):
        message = str(response.get("Error", {}).get("Message", "")).strip()
        if message:
            return message
    return str(e)


def _botocore_kind(e: BaseException) -> str:
    """``credentials``, ``connection``, ``client`` or ``other``, by botocore's class names (no
    import of botocore needed to classify)."""
    names = {c.__name__ for c in type(e).__mro__}
    if names & {
        "NoCredentialsError",
        "PartialCredentialsError",
        "CredentialRetrievalError",
        "NoAuthTokenError",
    }:
        return "credentials"
    if names & {"ConnectionError", "HTTPClientError", "ConnectTimeoutError", "ReadTimeoutError"}:
        return "connection"
    if "ClientError" in names:
        return "client"
    return "other"


def is_missing(e: BaseException) -> bool:
    """The cloud said the thing does not exist (as opposed to: could not tell)."""
    if _botocore_kind(e) != "client":
        return False
    code = error_code(e)
    return code in NOT_FOUND or (code == "ValidationError" and "does not exist" in error_message(e))


def presence_of(e: BaseException) -> Presence:
    """A drift probe's failed call: missing only when the cloud said so, else unknown."""
    return Presence.MISSING if is_missing(e) else Presence.UNKNOWN


def translate(e: BaseException, what: str) -> PyspireError:
    """``e`` as a pyspire error whose message starts with ``what`` (the resource and the call)."""
    if isinstance(e, PyspireError):
        return e
    kind = _botocore_kind(e)
    if kind == "credentials":
        return PermanentError(f"{what}: no usable AWS credentials ({type(e).__name__}): {CREDENTIALS_HINT}")
    if kind == "connection":
        return TemporaryError(
            f"{what}: cannot reach AWS: {e} (check the network, or AWS:EndpointUrl)", delay=1.0
        )
    code = error_code(e)
    if code in THROTTLING:
        return TemporaryError(f"{what}: throttled by AWS ({code}): {error_message(e)}", delay=2.0)
    if code in AUTH:
        return PermanentError(
            f"{what}: AWS rejected the credentials ({code}): {error_message(e)}; {CREDENTIALS_HINT}"
        )
    if kind == "client":
        return DeploymentFailed(f"{what}: {error_message(e)}")
    if type(e).__name__ == "NoRegionError":
        return PermanentError(f"{what}: no AWS region: set AWS:Region or AWS_REGION")
    return PermanentError(f"{what}: {type(e).__name__}: {e}")
