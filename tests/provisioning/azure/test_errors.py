"""azure.core's errors in pyspire's families, through the real SDK clients and the fake ARM:
missing and rejected credentials say how to sign in (and never show a token), throttling is
temporary, a refused permission says what to grant, drift can't tell on any of them; without the
SDK the first use says "install pyspire[azure]"."""

from __future__ import annotations

import sys

import pytest
from azure.core.exceptions import HttpResponseError, ServiceRequestError
from azure.identity import EnvironmentCredential

from pyspire.errors import ConfigurationError, PermanentError, TemporaryError
from pyspire.provisioning import DeployedResource, DeploymentFailed, Presence, Scope
from pyspire.provisioning.azure import outputs_of, storage_account
from pyspire.provisioning.azure.errors import CREDENTIALS_HINT, arm_message, translate
from tests.provisioning.azure.conftest import GROUP, LOCATION, SUBSCRIPTION, TOKEN, FixedToken, backend_of
from tests.provisioning.azure.fake_arm import FakeArm

SCOPE = Scope("dev", SUBSCRIPTION, LOCATION, GROUP)
ACCOUNT_ID = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.Storage/storageAccounts/files1234"
DEPLOYED = DeployedResource(
    "files",
    "azure:storage-account",
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.Resources/deployments/files",
    SCOPE,
)


async def test_no_credential_in_the_chain_is_a_permanent_error_that_says_how_to_sign_in(monkeypatch, arm: FakeArm):
    for var in ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_USERNAME"):
        monkeypatch.delenv(var, raising=False)
    backend = backend_of(arm, EnvironmentCredential())  # azure-identity's own, with nothing to use
    with pytest.raises(PermanentError) as caught:
        await backend.deploy(storage_account("files"), SCOPE)
    message = str(caught.value)
    assert message.startswith("files: deployment files: ") and "no usable Azure credentials (CredentialUnavailableError" in message
    assert message.endswith(CREDENTIALS_HINT)
    assert arm.requests == [], "nothing reached ARM without a token"
    assert await backend.exists(DEPLOYED) is Presence.UNKNOWN


async def test_a_rejected_token_is_a_permanent_credentials_error_without_the_token_and_unknown_to_drift(arm: FakeArm):
    arm.accepted_token = "the-only-good-token"
    backend = backend_of(arm, FixedToken())
    with pytest.raises(PermanentError) as caught:
        await backend.deploy(storage_account("files"), SCOPE)
    message = str(caught.value)
    assert "InvalidAuthenticationToken: The access token is invalid or has expired." in message
    assert CREDENTIALS_HINT in message and TOKEN not in message
    assert await backend.exists(DeployedResource("files", "azure:storage-account", DEPLOYED.deployment_id, SCOPE)) is Presence.UNKNOWN


async def test_throttling_that_outlasts_the_sdks_retries_is_a_temporary_error(arm: FakeArm):
    arm.fail("PUT", "/deployments/files", 429, "TooManyRequests", "Rate limit exceeded.", times=5)
    with pytest.raises(TemporaryError) as caught:
        await backend_of(arm, FixedToken()).deploy(storage_account("files"), SCOPE)
    assert "Azure answered 429: TooManyRequests: Rate limit exceeded." in str(caught.value)
    assert len(arm.calls("PUT", "/deployments/files")) == 3, "the SDK's own retries are kept at 2"


async def test_one_throttled_answer_is_absorbed_by_the_sdks_retry(arm: FakeArm):
    arm.fail("PUT", "/deployments/files", 503, "ServiceUnavailable", "try again", times=1)
    handle = await backend_of(arm, FixedToken()).deploy(storage_account("files"), SCOPE)
    assert handle.deployment_id.endswith("/deployments/files")


async def test_a_refused_permission_is_permanent_and_says_what_to_grant(arm: FakeArm):
    arm.fail("PUT", f"/resourcegroups/{GROUP}", 403, "AuthorizationFailed", "The client does not have authorization to perform action 'Microsoft.Resources/subscriptions/resourcegroups/write'.")
    with pytest.raises(PermanentError) as caught:
        await backend_of(arm, FixedToken()).deploy(storage_account("files"), SCOPE)
    assert "AuthorizationFailed: The client does not have authorization" in str(caught.value)
    assert "Contributor" in str(caught.value)


async def test_a_probe_that_fails_transiently_is_unknown_never_missing(arm: FakeArm):
    arm.fail("HEAD", "/storageaccounts/", 500, "InternalServerError", "boom", times=5)
    resource = DeployedResource("files", "azure:storage-account", DEPLOYED.deployment_id, SCOPE, outputs_of({"id": {"type": "string", "value": ACCOUNT_ID}}))
    assert await backend_of(arm, FixedToken()).exists(resource) is Presence.UNKNOWN


async def test_without_the_azure_sdk_the_first_use_says_install_pyspire_azure(monkeypatch, arm: FakeArm):
    monkeypatch.setitem(sys.modules, "azure.mgmt.resource.deployments.models", None)  # an ImportError on import
    with pytest.raises(ConfigurationError) as caught:
        await backend_of(arm, FixedToken()).deploy(storage_account("files"), SCOPE)
    assert "install pyspire[azure]" in str(caught.value)


def test_arm_errors_translate_to_pyspires_families_with_the_first_detail():
    class Body:
        status_code = 400

    nested = {"code": "DeploymentFailed", "message": "At least one resource deployment operation failed.", "details": [
        {"code": "Conflict", "message": "outer", "details": [{"code": "StorageAccountAlreadyTaken", "message": "The storage account named x is already taken."}]}
    ]}
    assert arm_message(nested) == "StorageAccountAlreadyTaken: The storage account named x is already taken."
    assert arm_message({"code": "Only"}) == "Only"
    assert isinstance(translate(ServiceRequestError("connection refused"), "x: call"), TemporaryError)
    error = HttpResponseError(message="(InvalidTemplate) bad template")
    error.status_code = 400
    failed = translate(error, "x: call")
    assert isinstance(failed, DeploymentFailed) and str(failed).startswith("x: call: ")
    same = ConfigurationError("mine")
    assert translate(same, "x") is same


def test_secure_outputs_are_secrets_and_those_arm_left_without_a_value_are_absent():
    outputs = outputs_of({
        "name": {"type": "String", "value": "files"},
        "key": {"type": "SecureString", "value": "s3cr3t"},
        "hidden": {"type": "securestring"},
        "count": {"type": "Int", "value": 3},
        "tags": {"type": "Object", "value": {"b": 1, "a": 2}},
    })
    assert outputs.values == {"name": "files", "key": "s3cr3t", "count": "3", "tags": '{"a": 2, "b": 1}'}
    assert outputs.secrets == frozenset({"key"}) and outputs.masked()["key"] == "***"
