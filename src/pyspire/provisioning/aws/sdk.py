"""boto3, imported only here and only when an AWS resource is actually used, so that pyspire
without the ``aws`` extra still imports; and one cached client per (service, region)."""

from __future__ import annotations

import importlib
import threading
from typing import Any

from pyspire.errors import ConfigurationError, PermanentError

#: Short timeouts and botocore's own retries kept low: the controller retries TemporaryErrors itself.
_CONFIG = {"connect_timeout": 5, "read_timeout": 30, "retries": {"max_attempts": 2, "mode": "standard"}}


def boto3_module() -> Any:
    """The ``boto3`` module, or a ConfigurationError saying how to get it."""
    try:
        return importlib.import_module("boto3")
    except ImportError as e:
        raise ConfigurationError(
            "AWS resources need boto3, which is not installed: install pyspire[aws] (pip install 'pyspire[aws]')"
        ) from e


class AwsClients:
    """boto3 clients from one session (credentials from boto3's standard chain: environment,
    ``AWS_PROFILE`` / shared files, SSO, instance roles). ``endpoint_url`` points every client at
    one endpoint (moto in the tests, LocalStack)."""

    def __init__(self, region: str, endpoint_url: str | None = None, profile: str | None = None) -> None:
        self.region = region
        self.endpoint_url = endpoint_url or None
        self.profile = profile or None
        self._session: Any = None
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()  # clients are built from worker threads (asyncio.to_thread)

    def client(self, service: str, region: str | None = None) -> Any:
        """The client of ``service`` in ``region`` (default: the environment's), built once."""
        key = (service, region or self.region)
        with self._lock:
            if key not in self._clients:
                boto3 = boto3_module()
                try:
                    if self._session is None:
                        self._session = boto3.session.Session(profile_name=self.profile)
                    config = importlib.import_module("botocore.config").Config(**_CONFIG)
                    self._clients[key] = self._session.client(
                        service, region_name=key[1] or None, endpoint_url=self.endpoint_url, config=config
                    )
                except Exception as e:  # a profile that is not there, a malformed endpoint...
                    raise _setup_error(e, service, self.profile) from None
            return self._clients[key]


def _setup_error(e: Exception, service: str, profile: str | None) -> PermanentError:
    """A client that could not be built, as a permanent error naming the setting to fix."""
    if type(e).__name__ == "ProfileNotFound":
        return PermanentError(
            f"AWS profile {profile!r} not found: fix AWS:Profile / AWS_PROFILE or ~/.aws/config"
        )
    return PermanentError(f"cannot set up the AWS {service} client: {type(e).__name__}: {e}")
