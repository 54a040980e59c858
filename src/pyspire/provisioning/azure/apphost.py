"""Azure in ``apphost.py``: ``builder.add_azure_environment(...)`` and its ``add_storage_account``
/ ``add_arm_template`` / ``add_bicep_template``, on the cloud-neutral model
(:func:`pyspire.provisioning.add_cloud_environment`) with the ARM backend::

    azure = builder.add_azure_environment()      # Parameters__azure-subscription-id, __azure-location
    storage = azure.add_storage_account("storage")
    builder.add_executable("worker", ...).with_reference(storage)  # ConnectionStrings__storage, STORAGE_BLOB_ENDPOINT

A referencing process gets the outputs (``ConnectionStrings__<name>``, ``<NAME>_<OUTPUT>``) and
where they live (``AZURE_SUBSCRIPTION_ID``, ``AZURE_RESOURCE_GROUP``, ``AZURE_LOCATION``, and
``AZURE_TENANT_ID`` when a tenant is set) — never a credential: the process finds its own through
``DefaultAzureCredential``, as the app host does."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyspire.model import AppModelBuilder
from pyspire.provisioning.azure.backend import ArmBackend
from pyspire.provisioning.azure.names import default_resource_group
from pyspire.provisioning.azure.resources import arm_template, bicep_template, storage_account
from pyspire.provisioning.azure.sdk import AzureClients
from pyspire.provisioning.controller import DEFAULT_DRIFT_INTERVAL
from pyspire.provisioning.model import (
    RESOURCE_REGION,
    CloudEnvironmentBuilder,
    CloudEnvironmentResource,
    CloudResourceBuilder,
    add_cloud_environment,
    template_parameters,
)
from pyspire.provisioning.spec import Scope

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

    from pyspire.provisioning.azure.sdk import Transport

#: A storage account's outputs → the ``<KEY>`` of ``<NAME>_<KEY>``; the first (the key-based
#: connection string, a secret) is also ``ConnectionStrings__<name>``.
STORAGE_ENV = {
    "connectionString": "CONNECTION_STRING",
    "blobEndpoint": "BLOB_ENDPOINT",
    "queueEndpoint": "QUEUE_ENDPOINT",
    "tableEndpoint": "TABLE_ENDPOINT",
    "name": "NAME",
    "id": "ID",
}


class AzureEnvironmentBuilder(CloudEnvironmentBuilder):
    """What ``add_azure_environment`` returns: one ARM deployment per resource added here."""

    def add_storage_account(self, name: str, sku: str = "Standard_LRS", kind: str = "StorageV2") -> CloudResourceBuilder:
        """A storage account: ``ConnectionStrings__<name>`` and ``<NAME>_CONNECTION_STRING`` (the
        key-based connection string, masked everywhere but in the process), ``<NAME>_BLOB_ENDPOINT``,
        ``<NAME>_QUEUE_ENDPOINT``, ``<NAME>_TABLE_ENDPOINT`` (for RBAC clients), ``<NAME>_NAME``, ``<NAME>_ID``."""
        spec = storage_account(name, sku=sku, kind=kind)
        return self.add_typed(spec, STORAGE_ENV, spec.template["outputs"])

    def add_arm_template(
        self,
        name: str,
        template: Mapping[str, Any] | str | Path,
        parameters: Mapping[str, object] | None = None,
        secret_outputs: tuple[str, ...] = (),
    ) -> CloudResourceBuilder:
        """Any ARM JSON template (a dict or a ``.json`` file, relative to the app's folder); a
        parameter may be another cloud resource's ``output_ref(...)``, which makes it a prerequisite.
        Every template output is ``<NAME>_<OUTPUT>`` (``primaryKey`` → ``PRIMARY_KEY``)."""
        if isinstance(template, (str, Path)):
            template = self.model.app_dir / template
        spec = arm_template(name, template, template_parameters(parameters), secret_outputs=secret_outputs)
        return self.add_template(spec, spec.template.get("outputs") or {})

    def add_bicep_template(
        self,
        name: str,
        path: str | Path,
        parameters: Mapping[str, object] | None = None,
        secret_outputs: tuple[str, ...] = (),
    ) -> CloudResourceBuilder:
        """A Bicep file (relative to the app's folder), compiled now with ``bicep build --stdout``:
        without ``bicep`` on PATH this raises a ConfigurationError naming the resource and the fix."""
        spec = bicep_template(
            name, self.model.app_dir / path, template_parameters(parameters), secret_outputs=secret_outputs
        )
        return self.add_template(spec, spec.template.get("outputs") or {})


class _Azure:
    """The environment's Azure settings that are not scope: tenant, credential, transport, polling."""

    def __init__(
        self, tenant: str, credential: TokenCredential | None, transport: Transport | None, poll_interval: float
    ) -> None:
        self.tenant, self.credential, self.transport = tenant, credential, transport
        self.poll_interval = poll_interval

    def backend(self, scope: Scope) -> ArmBackend:
        """The backend (the subscription comes with each call's scope: it may be set later)."""
        clients = AzureClients(
            self.tenant,
            credential=self.credential,
            transport=self.transport,
            polling_interval=self.poll_interval,
        )
        return ArmBackend(clients, self.poll_interval)


def add_azure_environment(
    builder: AppModelBuilder,
    name: str = "azure",
    subscription: object = None,
    location: object = None,
    resource_group: object = None,
    tenant: str | None = None,
    *,
    drift_interval: float = DEFAULT_DRIFT_INTERVAL,
    poll_interval: float = 2.0,
    credential: TokenCredential | None = None,
    transport: Transport | None = None,
) -> AzureEnvironmentBuilder:
    """``builder.add_azure_environment(...)`` (see ``DistributedApplicationBuilder``, which imports
    this module only when an app calls it). ``subscription``/``location`` default to the parameters
    ``<name>-subscription-id`` / ``<name>-location`` (whose defaults are ``AZURE_SUBSCRIPTION_ID`` /
    ``AZURE_LOCATION``); ``resource_group`` to ``AZURE_RESOURCE_GROUP``, else
    ``rg-pyspire-<app>-<8 hex>``. ``credential`` (a ``TokenCredential``) and ``transport`` (an
    ``azure.core`` ``HttpTransport``) replace ``DefaultAzureCredential`` and the network."""
    azure = _Azure(tenant or os.environ.get("AZURE_TENANT_ID", ""), credential, transport, poll_interval)
    if subscription is None:
        subscription = builder.add_parameter(f"{name}-subscription-id", value=os.environ.get("AZURE_SUBSCRIPTION_ID"))
    if location is None:
        location = builder.add_parameter(f"{name}-location", value=os.environ.get("AZURE_LOCATION"))
    if resource_group is None:
        resource_group = os.environ.get("AZURE_RESOURCE_GROUP") or default_resource_group(builder.app_dir)
    env = add_cloud_environment(
        builder,
        name,
        azure.backend,
        account=subscription,
        region=location,
        group=resource_group,
        drift_interval=drift_interval,
        builder_class=AzureEnvironmentBuilder,
    )
    resource: CloudEnvironmentResource = env.resource
    where: dict[str, object] = {
        "AZURE_SUBSCRIPTION_ID": resource.values["account"],
        "AZURE_RESOURCE_GROUP": resource.values["group"],
        # the referenced resource's own location: after change-location it is no longer the environment's
        "AZURE_LOCATION": RESOURCE_REGION,
    }
    if azure.tenant:
        where["AZURE_TENANT_ID"] = azure.tenant
    resource.reference_env = where
    return env
