"""The Azure environment from configuration (Aspire's ``Azure:*`` names first, then ``AZURE_*``),
what is missing said as what to set, the credential chain built without a network call, a
deployment id that is not ARM's treated as not found (the controller then deploys afresh), and a
subscription that is not a GUID refused before any request."""

from __future__ import annotations

import pytest
from azure.identity import DefaultAzureCredential

from pyspire.errors import PermanentError
from pyspire.provisioning import DeployedResource, DeploymentNotFound, MissingConfiguration, Presence, Scope
from pyspire.provisioning.azure import (
    AzureClients,
    AzureEnvironment,
    default_credential,
    split_deployment_id,
    storage_account,
)
from tests.provisioning.azure.conftest import SUBSCRIPTION, FixedToken, backend_of
from tests.provisioning.azure.fake_arm import FakeArm


def test_settings_come_from_azure_keys_first_then_the_azure_variables():
    env = AzureEnvironment.from_settings(
        {"Azure:SubscriptionId": "sub-a", "AZURE_SUBSCRIPTION_ID": "sub-b", "AZURE_LOCATION": "westeurope",
         "Azure:ResourceGroup": "rg-a", "AZURE_TENANT_ID": "tenant-t"},
        name="dev",
    )
    assert env == AzureEnvironment("dev", "sub-a", "westeurope", "rg-a", "tenant-t")
    assert env.scope() == Scope("dev", "sub-a", "westeurope", "rg-a")


def test_a_missing_subscription_location_or_group_is_missing_configuration_saying_what_to_set():
    env = AzureEnvironment.from_settings({"AZURE_LOCATION": "westeurope"})
    with pytest.raises(MissingConfiguration) as caught:
        env.scope()
    assert str(caught.value) == (
        "missing configuration for azure: set Azure:SubscriptionId (or AZURE_SUBSCRIPTION_ID), "
        "Azure:ResourceGroup (or AZURE_RESOURCE_GROUP)"
    )


def test_the_default_credential_is_azure_identitys_chain_and_one_per_clients():
    assert isinstance(default_credential(), DefaultAzureCredential)
    assert isinstance(default_credential("tenant-t"), DefaultAzureCredential)
    clients = AzureClients("tenant-t")
    assert clients.credential() is clients.credential()


def test_a_deployment_id_that_is_not_arms_is_not_found():
    assert split_deployment_id(
        f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Resources/deployments/files"
    ) == (SUBSCRIPTION, "rg", "files")
    with pytest.raises(DeploymentNotFound):
        split_deployment_id("arn:aws:cloudformation:eu-west-1:1:stack/x/1")


async def test_attaching_to_a_deployment_arm_no_longer_has_is_not_found(arm: FakeArm):
    backend = backend_of(arm, FixedToken())
    arm.groups["rg"] = {"id": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg", "name": "rg", "location": "westeurope"}
    gone = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.Resources/deployments/files"
    with pytest.raises(DeploymentNotFound, match="files: deployment files no longer exists in resource group rg"):
        await backend.attach(gone, "files", Scope("dev", SUBSCRIPTION, "westeurope", "rg"))
    with pytest.raises(DeploymentNotFound):  # its group is gone too
        await backend.attach(gone.replace("/rg/", "/rg-gone/"), "files", Scope("dev", SUBSCRIPTION, "westeurope", "rg-gone"))


async def test_a_subscription_that_is_not_a_guid_fails_before_any_request_and_is_unknown_to_drift(arm: FakeArm):
    backend = backend_of(arm, FixedToken())
    scope = Scope("dev", "my-subscription", "westeurope", "rg")
    with pytest.raises(PermanentError, match="files: deployment files: subscription 'my-subscription' is not a subscription id"):
        await backend.deploy(storage_account("files"), scope)
    assert arm.requests == []
    deployed = DeployedResource("files", "azure:storage-account", "/subscriptions/my-subscription/x", scope)
    assert await backend.exists(deployed) is Presence.UNKNOWN
