"""The Azure SDK, imported only here and only when an Azure resource is actually used, so that
pyspire without the ``azure`` extra still imports; one credential and one client of each kind per
subscription.

``azure-mgmt-resource`` 25+ no longer carries template deployments: they are in
``azure-mgmt-resource-deployments`` (``DeploymentsMgmtClient``), beside
``ResourceManagementClient`` (resource groups, resources by id, providers)."""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING, Any

from pyspire.errors import ConfigurationError

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential
    from azure.core.pipeline.transport import HttpTransport

    #: An azure.core transport (requests, aiohttp… or the tests' fake ARM behind ``RequestsTransport``).
    Transport = HttpTransport[Any, Any]
    from azure.mgmt.resource.deployments import DeploymentsMgmtClient
    from azure.mgmt.resource.resources import ResourceManagementClient

#: Short timeouts and the SDK's own retries kept low: the controller retries TemporaryErrors itself.
CLIENT_OPTIONS: dict[str, Any] = {"connection_timeout": 5, "read_timeout": 30, "retry_total": 2}

INSTALL_HINT = "install pyspire[azure] (pip install 'pyspire[azure]')"


def azure_module(name: str) -> Any:
    """An Azure SDK module, or a ConfigurationError saying how to get it."""
    try:
        return importlib.import_module(name)
    except ImportError as e:
        raise ConfigurationError(
            f"Azure resources need the Azure SDK ({name} is not installed): {INSTALL_HINT}"
        ) from e


def default_credential(tenant: str = "") -> TokenCredential:
    """azure-identity's ``DefaultAzureCredential`` chain (environment, workload identity, managed
    identity, ``az login``, ``azd auth login``, Azure PowerShell…); ``tenant`` prefers that tenant
    where the chain's members let one choose."""
    identity = azure_module("azure.identity")
    options: dict[str, Any] = {}
    if tenant:
        for key in ("workload_identity_tenant_id", "shared_cache_tenant_id", "visual_studio_code_tenant_id"):
            options[key] = tenant
        options["additionally_allowed_tenants"] = [tenant]
    credential: TokenCredential = identity.DefaultAzureCredential(**options)
    return credential


class AzureClients:
    """One credential, and one client of each kind per subscription, built on first use (from
    worker threads: the SDK is synchronous). The subscription is the scope's, asked per call: it
    may arrive after the app host started (``pyspire parameter set``). ``credential`` and
    ``transport`` (an ``azure.core`` ``HttpTransport``) replace the credential chain and the
    network: the tests' fake ARM sits behind the real clients."""

    def __init__(
        self,
        tenant: str = "",
        *,
        credential: TokenCredential | None = None,
        transport: Transport | None = None,
        polling_interval: float = 2.0,
    ) -> None:
        self.tenant = tenant
        self._credential = credential
        self.transport = transport
        self.polling_interval = polling_interval
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def credential(self) -> TokenCredential:
        with self._lock:
            if self._credential is None:
                self._credential = default_credential(self.tenant)
            return self._credential

    def _options(self) -> dict[str, Any]:
        options = dict(CLIENT_OPTIONS, polling_interval=self.polling_interval)
        if self.transport is not None:
            options["transport"] = self.transport
        return options

    def deployments(self, subscription: str) -> DeploymentsMgmtClient:
        """The template deployments client (``deployments.begin_create_or_update``, ``get``, ``cancel``)."""
        client: DeploymentsMgmtClient = self._client("azure.mgmt.resource.deployments", "DeploymentsMgmtClient", subscription)
        return client

    def resources(self, subscription: str) -> ResourceManagementClient:
        """Resource groups, resources by id (existence, delete) and providers' API versions."""
        client: ResourceManagementClient = self._client(
            "azure.mgmt.resource.resources", "ResourceManagementClient", subscription
        )
        return client

    def _client(self, module: str, name: str, subscription: str) -> Any:
        """``module.name(credential, subscription, ...)``, built once per subscription."""
        credential = self.credential()
        with self._lock:
            key = (name, subscription)
            if key not in self._clients:
                self._clients[key] = getattr(azure_module(module), name)(credential, subscription, **self._options())
            return self._clients[key]
