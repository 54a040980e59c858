"""Azure for :mod:`pyspire.provisioning`: ARM template deployments with the Azure SDK (one
deployment per resource, in the environment's resource group), spec builders for a storage
account, any ARM JSON template and a Bicep file (compiled when ``bicep`` is on PATH), and the Azure
environment (subscription, location, resource group, tenant).

The SDK is imported lazily (:mod:`.sdk`): without the ``azure`` extra this package still imports,
and the first cloud call says "install pyspire[azure]"."""

from __future__ import annotations

from pyspire.provisioning.azure.backend import ArmBackend, outputs_of, split_deployment_id
from pyspire.provisioning.azure.environment import REQUIRED, AzureEnvironment
from pyspire.provisioning.azure.names import (
    ARM_TEMPLATE,
    BICEP_TEMPLATE,
    STORAGE_ACCOUNT,
    default_resource_group,
    deployment_name,
    resource_group_name,
    storage_account_name,
    template_resource_name,
)
from pyspire.provisioning.azure.principal import PRINCIPAL_ID, PRINCIPAL_TYPE, Principal, principal_of
from pyspire.provisioning.azure.resources import (
    LOCATION_PARAMETER,
    NAME_PARAMETER,
    arm_template,
    bicep_template,
    compile_bicep,
    load_template,
    resource_name,
    storage_account,
)
from pyspire.provisioning.azure.sdk import AzureClients, azure_module, default_credential

__all__ = [
    "ARM_TEMPLATE",
    "BICEP_TEMPLATE",
    "LOCATION_PARAMETER",
    "NAME_PARAMETER",
    "PRINCIPAL_ID",
    "PRINCIPAL_TYPE",
    "REQUIRED",
    "STORAGE_ACCOUNT",
    "ArmBackend",
    "AzureClients",
    "AzureEnvironment",
    "Principal",
    "arm_template",
    "azure_module",
    "bicep_template",
    "compile_bicep",
    "default_credential",
    "default_resource_group",
    "deployment_name",
    "load_template",
    "outputs_of",
    "principal_of",
    "resource_group_name",
    "resource_name",
    "split_deployment_id",
    "storage_account",
    "storage_account_name",
    "template_resource_name",
]
