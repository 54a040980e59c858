"""The Azure environment: subscription, location, resource group and (optionally) tenant, with
credentials from azure-identity's ``DefaultAzureCredential`` chain. Values come from
configuration (the app host's ``Azure:*`` settings, as Aspire names them, then the usual
``AZURE_*`` variables). In the scope: account = subscription, region = location, group =
resource group."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyspire.provisioning.azure.backend import ArmBackend
from pyspire.provisioning.azure.sdk import AzureClients
from pyspire.provisioning.errors import MissingConfiguration
from pyspire.provisioning.spec import Scope

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

    from pyspire.provisioning.azure.sdk import Transport

#: Scope field → what to set, for :class:`~pyspire.provisioning.ProvisioningController`'s ``required``.
REQUIRED: Mapping[str, str] = {
    "account": "Azure:SubscriptionId (or AZURE_SUBSCRIPTION_ID)",
    "region": "Azure:Location (or AZURE_LOCATION)",
    "group": "Azure:ResourceGroup (or AZURE_RESOURCE_GROUP)",
}

_KEYS: Mapping[str, tuple[str, ...]] = {
    "subscription": ("Azure:SubscriptionId", "AZURE_SUBSCRIPTION_ID"),
    "location": ("Azure:Location", "AZURE_LOCATION"),
    "resource_group": ("Azure:ResourceGroup", "AZURE_RESOURCE_GROUP"),
    "tenant": ("Azure:TenantId", "AZURE_TENANT_ID"),
}
_FIELD = {"account": "subscription", "region": "location", "group": "resource_group"}


@dataclass(frozen=True)
class AzureEnvironment:
    """One Azure environment (no call to Azure, no SDK import until a backend is used)."""

    name: str = "azure"
    subscription: str = ""
    location: str = ""
    resource_group: str = ""
    tenant: str = ""

    @staticmethod
    def from_settings(settings: Mapping[str, str], name: str = "azure") -> AzureEnvironment:
        """From configuration (``Azure:SubscriptionId`` … first, then the ``AZURE_*`` variables)."""

        def first(field: str) -> str:
            return next((settings[k] for k in _KEYS[field] if settings.get(k)), "")

        return AzureEnvironment(
            name=name,
            subscription=first("subscription"),
            location=first("location"),
            resource_group=first("resource_group"),
            tenant=first("tenant"),
        )

    def missing(self) -> tuple[str, ...]:
        """The settings still to set (the environment shows "missing configuration: set ...")."""
        return tuple(what for field, what in REQUIRED.items() if not getattr(self, _FIELD[field]))

    def scope(self) -> Scope:
        """The controller's scope; MissingConfiguration while a required value is unset."""
        missing = self.missing()
        if missing:
            raise MissingConfiguration(self.name, missing)
        return Scope(self.name, self.subscription, self.location, self.resource_group)

    def clients(
        self,
        credential: TokenCredential | None = None,
        transport: Transport | None = None,
        polling_interval: float = 2.0,
    ) -> AzureClients:
        return AzureClients(self.tenant, credential=credential, transport=transport, polling_interval=polling_interval)

    def backend(
        self,
        poll_interval: float = 2.0,
        *,
        credential: TokenCredential | None = None,
        transport: Transport | None = None,
    ) -> ArmBackend:
        """The ARM backend for this environment (``credential``/``transport`` replace the chain and
        the network, for tests)."""
        return ArmBackend(self.clients(credential, transport, poll_interval), poll_interval)
