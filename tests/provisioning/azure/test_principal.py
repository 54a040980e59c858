"""A template declaring ``principalId``/``principalType`` gets the identity running the app host
(as Aspire's run mode does), read from the credential's ARM token: a role assignment template
grants the developer access without anyone typing an object id; a token naming no identity is a
clear error saying to pass the parameter."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from pyspire.errors import PermanentError
from pyspire.provisioning import EnsureProvisioned, OutputRef, Scope
from pyspire.provisioning.azure import arm_template, storage_account
from pyspire.provisioning.azure.principal import principal_of
from tests.provisioning.azure.conftest import GROUP, LOCATION, SUBSCRIPTION, FixedToken, Make, backend_of
from tests.provisioning.azure.fake_arm import FakeArm

OID = "11111111-2222-3333-4444-555555555555"
BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"

ROLE: dict[str, Any] = {
    "parameters": {"principalId": {"type": "string"}, "principalType": {"type": "string"}, "account": {"type": "string"}},
    "resources": [
        {
            "type": "Microsoft.Authorization/roleAssignments",
            "apiVersion": "2022-04-01",
            "name": "[guid(parameters('account'), parameters('principalId'))]",
            "properties": {
                "principalId": "[parameters('principalId')]",
                "principalType": "[parameters('principalType')]",
                "roleDefinitionId": f"[resourceId('Microsoft.Authorization/roleDefinitions', '{BLOB_DATA_CONTRIBUTOR}')]",
            },
        }
    ],
    "outputs": {"principal": {"type": "string", "value": "[parameters('principalId')]"},
                "kind": {"type": "string", "value": "[parameters('principalType')]"}},
}


def jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.signature"


def test_the_identity_is_the_tokens_oid_a_user_with_scopes_else_a_service_principal():
    assert principal_of(jwt({"oid": OID, "scp": "user_impersonation"})) == principal_of(jwt({"oid": OID, "idtyp": "user"}))
    assert principal_of(jwt({"oid": OID, "scp": "x"})).type == "User"  # type: ignore[union-attr]
    assert principal_of(jwt({"oid": OID})).type == "ServicePrincipal"  # type: ignore[union-attr]
    assert principal_of(jwt({"oid": OID, "idtyp": "app", "scp": "x"})).type == "ServicePrincipal"  # type: ignore[union-attr]
    assert principal_of("not-a-jwt") is None and principal_of(jwt({"sub": "x"})) is None and principal_of("a.!!!.c") is None


async def test_a_role_assignment_template_gets_the_app_hosts_identity_and_a_rerun_does_not_redeploy(
    arm: FakeArm, make: Make, credential: FixedToken
):
    credential.token = jwt({"oid": OID, "scp": "user_impersonation"})
    specs = [storage_account("files"), arm_template("files-roles", ROLE, {"account": OutputRef("files", "id")})]
    first = make(specs)
    result = await first.run(EnsureProvisioned())
    assert result.outputs["files-roles"].values == {"principal": OID, "kind": "User"}
    (role,) = [r for r in arm.resources.values() if r["type"].endswith("/roleAssignments")]
    assert role["properties"]["principalId"] == OID
    assert await first.request_drift_check() == []
    probes = [v for m, p, v in arm.api_versions if m == "HEAD" and p.endswith(f"/roleAssignments/{role['name']}")]
    assert probes == ["2022-04-01"], "the provider's newest stable API version"
    await first.stop()
    arm.requests.clear()
    await make(specs).run(EnsureProvisioned())
    assert arm.requests == []


async def test_a_token_naming_no_identity_is_an_error_saying_to_pass_principal_id(arm: FakeArm):
    backend = backend_of(arm, FixedToken("opaque-token"))
    with pytest.raises(PermanentError) as caught:
        await backend.deploy(arm_template("roles", ROLE, {"account": "x"}), Scope("dev", SUBSCRIPTION, LOCATION, GROUP))
    assert "declares principalId, but the credential's token names no identity" in str(caught.value)
    assert "pass principalId as a parameter" in str(caught.value) and "opaque-token" not in str(caught.value)
