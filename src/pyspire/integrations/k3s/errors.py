"""What can go wrong talking to a cluster's API, in pyspire's error families.

``StaleCredentials``: the API answers but refuses our certificate or presents a CA we do not
trust — the cluster was recreated and the derived kubeconfig is not yet regenerated; it heals
when the server writes its new kubeconfig, so it is temporary. ``ApiUnavailable``: nothing
answers (yet): the server is starting, or stopped. ``InvalidKubeconfig``: the file the server
wrote is not a kubeconfig we can use (half-written, or not k3s's).
"""

from __future__ import annotations

from pyspire.errors import PermanentError, TemporaryError

#: How soon a caller retries after a temporary API error.
RETRY_DELAY = 1.0


class ApiUnavailable(TemporaryError):
    """The cluster's API server does not answer (connection refused, timed out, 5xx)."""

    def __init__(self, message: str, delay: float = RETRY_DELAY) -> None:
        super().__init__(message, delay)


class StaleCredentials(TemporaryError):
    """The API server refused the kubeconfig's credentials or CA (a recreated cluster)."""

    def __init__(self, message: str, delay: float = RETRY_DELAY) -> None:
        super().__init__(message, delay)


class InvalidKubeconfig(PermanentError):
    """The server's kubeconfig lacks what a client needs (until the server writes it again)."""
