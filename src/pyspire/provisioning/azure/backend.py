"""ARM template deployments behind the provisioning :class:`~pyspire.provisioning.Backend`: one
deployment per resource in the environment's resource group (Incremental mode), the ARM
deployment's id as the deployment id.

The SDK is synchronous, so every call runs in a worker thread (``asyncio.to_thread``) and the
controller's loop never blocks. ``deploy`` sends the deployment PUT without following its
long-running operation (``polling=False``): the id is saved before the wait, and ``wait`` — after
``deploy`` or after an app host restart alike — follows the deployment with ``deployments.get``."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from pyspire.errors import PermanentError, PyspireError
from pyspire.provisioning.azure.errors import arm_message, error_code, is_missing, presence_of, translate
from pyspire.provisioning.azure.names import deployment_name
from pyspire.provisioning.azure.principal import (
    ARM_SCOPE,
    PRINCIPAL_ID,
    PRINCIPAL_TYPE,
    Principal,
    principal_of,
)
from pyspire.provisioning.azure.resources import (
    LOCATION_PARAMETER,
    NAME_PARAMETER,
    SECURE_TYPES,
    STORAGE_API,
    resource_name,
)
from pyspire.provisioning.azure.sdk import AzureClients, azure_module
from pyspire.provisioning.backend import DeployedResource, DeploymentHandle
from pyspire.provisioning.errors import DeploymentConflict, DeploymentFailed, DeploymentNotFound
from pyspire.provisioning.spec import Outputs, ResourceSpec, Scope
from pyspire.provisioning.states import Presence

ACTIVE = frozenset({"Accepted", "Running", "Creating", "Updating", "Waiting", "Validating", "Deploying", "Canceling"})
#: API versions of the types pyspire's own templates create (others are asked of their provider).
KNOWN_API_VERSIONS = {"microsoft.storage/storageaccounts": STORAGE_API}
TAGS = {"pyspire": "true"}
_DEPLOYMENT_ID = re.compile(
    r"^/subscriptions/(?P<subscription>[^/]+)/resourceGroups/(?P<group>[^/]+)/providers/Microsoft\.Resources/deployments/(?P<name>[^/]+)$",
    re.IGNORECASE,
)
T = TypeVar("T")


def split_deployment_id(deployment_id: str) -> tuple[str, str, str]:
    """``/subscriptions/<s>/resourceGroups/<group>/providers/Microsoft.Resources/deployments/<name>``
    → ``(s, group, name)``; a DeploymentNotFound for anything else (a hand-edited state file)."""
    m = _DEPLOYMENT_ID.match(deployment_id)
    if m is None:
        raise DeploymentNotFound(f"{deployment_id!r} is not an ARM deployment id")
    return m.group("subscription"), m.group("group"), m.group("name")


def resource_type(resource_id: str) -> str:
    """``/subscriptions/s/resourceGroups/g/providers/Ns/type/name[/sub/name]`` → ``Ns/type[/sub]``."""
    parts = resource_id.strip("/").split("/")
    try:
        at = [p.lower() for p in parts].index("providers")
    except ValueError:
        return ""
    rest = parts[at + 1 :]
    return "/".join([rest[0], *rest[1::2]]) if rest else ""


def is_subscription_id(value: str) -> bool:
    """A subscription id is a GUID; anything else would only earn ARM's 400 after a token round trip."""
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def outputs_of(raw: Any) -> Outputs:
    """ARM's ``{name: {type, value}}`` as :class:`Outputs`: strings as they are, other values as
    JSON; ``secureString``/``secureObject`` outputs are secrets (and absent when ARM, as it does,
    left their value out)."""
    values: dict[str, str] = {}
    secrets: set[str] = set()
    for name, output in dict(raw or {}).items():
        if not isinstance(output, dict) or "value" not in output:
            continue
        value = output["value"]
        values[name] = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        if str(output.get("type", "")).lower() in SECURE_TYPES:
            secrets.add(name)
    return Outputs(values, frozenset(secrets))


class ArmBackend:
    """Deploys :mod:`~pyspire.provisioning.azure.resources` specs as ARM template deployments.

    ``poll_interval``: seconds between ``deployments.get`` while a deployment is active."""

    def __init__(self, clients: AzureClients, poll_interval: float = 2.0) -> None:
        self.clients = clients
        self.poll_interval = poll_interval
        self._groups: set[tuple[str, str]] = set()
        self._group_lock = asyncio.Lock()
        self._api_versions: dict[str, str] = dict(KNOWN_API_VERSIONS)
        self._principal: Principal | None = None

    # -- the Backend protocol ----------------------------------------------------------------------

    def deployment_name(self, spec: ResourceSpec, scope: Scope) -> str:
        return deployment_name(spec.name)

    async def deploy(self, spec: ResourceSpec, scope: Scope) -> DeploymentHandle:
        name = self.deployment_name(spec, scope)
        what = f"{spec.name}: deployment {name}"
        if not is_subscription_id(scope.account):
            raise PermanentError(
                f"{what}: subscription {scope.account!r} is not a subscription id (a GUID like "
                "00000000-0000-0000-0000-000000000000): set the one 'az account show --query id' prints"
            )
        await self._ensure_group(scope, what)
        models = azure_module("azure.mgmt.resource.deployments.models")
        body = models.Deployment(
            properties=models.DeploymentProperties(
                mode="Incremental", template=dict(spec.template), parameters=await self._parameters(spec, scope, what)
            ),
            tags={**TAGS, "pyspire-resource": spec.name, "pyspire-environment": scope.environment},
        )
        client = await self._call(what, self.clients.deployments, scope.account)
        try:
            poller = await asyncio.to_thread(
                client.deployments.begin_create_or_update, scope.group, name, body, polling=False
            )
        except Exception as e:
            if error_code(e) == "DeploymentActive":
                raise DeploymentConflict(
                    f"{what}: another deployment is still active ({arm_message(getattr(e, 'error', None))})",
                    self._deployment_id(scope, name),
                    delay=self.poll_interval,
                ) from None
            raise translate(e, f"{what}: begin_create_or_update") from None
        started = poller.result()  # no polling: the PUT's own answer
        return DeploymentHandle(spec.name, str(started.id or self._deployment_id(scope, name)), scope)

    async def wait(self, handle: DeploymentHandle) -> Outputs:
        subscription, group, name = split_deployment_id(handle.deployment_id)
        what = f"{handle.resource}: deployment {name}"
        while True:
            deployment = await self._get(subscription, group, name, what)
            if deployment is None:
                raise DeploymentFailed(f"{what} no longer exists in resource group {group}")
            props = deployment.properties
            state = _text(getattr(props, "provisioning_state", None))
            if state == "Succeeded":
                return outputs_of(getattr(props, "outputs", None))
            if state and state not in ACTIVE:
                error = getattr(props, "error", None)
                raise DeploymentFailed(f"{what} {state}: {arm_message(error) if error else 'no error given'}")
            await asyncio.sleep(self.poll_interval)

    async def attach(self, deployment_id: str, resource: str, scope: Scope) -> DeploymentHandle:
        subscription, group, name = split_deployment_id(deployment_id)
        if await self._get(subscription, group, name, f"{resource}: deployment {name}") is None:
            raise DeploymentNotFound(f"{resource}: deployment {name} no longer exists in resource group {group}")
        return DeploymentHandle(resource, deployment_id, scope)

    async def exists(self, resource: DeployedResource) -> Presence:
        if not is_subscription_id(resource.scope.account):
            return Presence.UNKNOWN  # as Aspire: drift is checked only in a valid subscription
        try:
            ids = await self._created_ids(resource)
            if ids is None:
                return Presence.MISSING
            client = await self._call(resource.name, self.clients.resources, resource.scope.account)
            for rid in ids:
                api = await self._api_version(resource.scope, rid)
                found = await asyncio.to_thread(client.resources.check_existence_by_id, rid, api_version=api)
                if not found:
                    return Presence.MISSING
            return Presence.EXISTS
        except PyspireError:  # no credential, no SDK: can't tell
            return Presence.UNKNOWN
        except Exception as e:
            return presence_of(e)

    async def delete(self, resource: DeployedResource) -> None:
        what = f"{resource.name}: deployment {_name_of(resource.deployment_id)}"
        try:
            ids = await self._created_ids(resource)
        except Exception as e:
            raise translate(e, f"{what}: deployments.get") from None
        client = await self._call(what, self.clients.resources, resource.scope.account)
        for rid in reversed(ids or []):  # dependents were declared after what they need
            api = await self._api_version(resource.scope, rid)
            try:
                poller = await asyncio.to_thread(
                    client.resources.begin_delete_by_id, rid, api_version=api, polling_interval=self.poll_interval
                )
                await asyncio.to_thread(poller.result)
            except Exception as e:
                if not is_missing(e):
                    raise translate(e, f"{what}: deleting {rid}") from None

    async def cancel(self, handle: DeploymentHandle) -> None:
        subscription, group, name = split_deployment_id(handle.deployment_id)
        client = await self._call(handle.resource, self.clients.deployments, subscription)
        try:
            await asyncio.to_thread(client.deployments.cancel, group, name)
        except Exception as e:
            if is_missing(e) or error_code(e) == "DeploymentCannotBeCancelled":
                return  # gone, or finished meanwhile
            raise translate(e, f"{handle.resource}: deployment {name}: cancel") from None

    # -- helpers -----------------------------------------------------------------------------------

    @staticmethod
    def _deployment_id(scope: Scope, name: str) -> str:
        return (
            f"/subscriptions/{scope.account}/resourceGroups/{scope.group}"
            f"/providers/Microsoft.Resources/deployments/{name}"
        )

    @staticmethod
    async def _call(what: str, fn: Callable[[str], T], subscription: str) -> T:
        """A client of ``subscription`` (built in a worker thread: the credential chain may read files)."""
        try:
            return await asyncio.to_thread(fn, subscription)
        except Exception as e:
            raise translate(e, what) from None

    async def _ensure_group(self, scope: Scope, what: str) -> None:
        """The resource group, created (in the environment's location, tagged ``pyspire=true``) when
        it is not there; an existing one is left as it is (its location may differ from a
        resource's override). Once per group and backend."""
        async with self._group_lock:
            if (scope.account, scope.group.lower()) in self._groups:
                return
            client = await self._call(what, self.clients.resources, scope.account)
            try:
                await asyncio.to_thread(client.resource_groups.get, scope.group)
            except Exception as e:
                if not is_missing(e):
                    raise translate(e, f"{what}: resource_groups.get {scope.group}") from None
                models = azure_module("azure.mgmt.resource.resources.models")
                group = models.ResourceGroup(location=scope.region, tags=dict(TAGS))
                try:
                    await asyncio.to_thread(client.resource_groups.create_or_update, scope.group, group)
                except Exception as e2:
                    raise translate(e2, f"{what}: resource_groups.create_or_update {scope.group}") from None
            self._groups.add((scope.account, scope.group.lower()))

    async def _parameters(self, spec: ResourceSpec, scope: Scope, what: str) -> dict[str, dict[str, Any]]:
        """The template's declared parameters: the physical name, the location and the identity
        running the app host (``principalId``/``principalType``) when declared and not given, then
        the spec's (resolved) values, in ARM's ``{name: {value}}`` form."""
        declared = spec.template.get("parameters") or {}
        values = {k: v for k, v in spec.parameters.items() if k in declared}
        if NAME_PARAMETER in declared and NAME_PARAMETER not in values:
            values[NAME_PARAMETER] = resource_name(spec, scope)
        if LOCATION_PARAMETER in declared and LOCATION_PARAMETER not in values and scope.region:
            values[LOCATION_PARAMETER] = scope.region
        if PRINCIPAL_ID in declared and PRINCIPAL_ID not in values:
            principal = await self._current_principal(what)
            values[PRINCIPAL_ID] = principal.id
            if PRINCIPAL_TYPE in declared and PRINCIPAL_TYPE not in values:
                values[PRINCIPAL_TYPE] = principal.type
        return {k: {"value": v} for k, v in sorted(values.items())}

    async def _current_principal(self, what: str) -> Principal:
        """The identity of the credential's ARM token (once per backend)."""
        if self._principal is None:
            try:
                credential = await asyncio.to_thread(self.clients.credential)
                token = await asyncio.to_thread(credential.get_token, ARM_SCOPE)
            except Exception as e:
                raise translate(e, f"{what}: get_token") from None
            principal = principal_of(token.token)
            if principal is None:
                raise PermanentError(
                    f"{what}: the template declares {PRINCIPAL_ID}, but the credential's token names no "
                    f"identity (no 'oid' claim): pass {PRINCIPAL_ID} as a parameter"
                )
            self._principal = principal
        return self._principal

    async def _get(self, subscription: str, group: str, name: str, what: str) -> Any:
        """The deployment, or ``None`` when ARM says it (or its resource group) does not exist."""
        client = await self._call(what, self.clients.deployments, subscription)
        try:
            return await asyncio.to_thread(client.deployments.get, group, name)
        except Exception as e:
            if is_missing(e):
                return None
            raise translate(e, f"{what}: deployments.get") from None

    async def _created_ids(self, resource: DeployedResource) -> list[str] | None:
        """What the deployment created: its ``id`` output when it has one, else the deployment's
        output resources; ``None`` when the deployment itself is gone (and no id was output)."""
        rid = resource.outputs.values.get("id", "")
        if rid.startswith("/subscriptions/"):
            return [rid]
        subscription, group, name = split_deployment_id(resource.deployment_id)
        deployment = await self._get(subscription, group, name, f"{resource.name}: deployment {name}")
        if deployment is None:
            return None
        refs = getattr(deployment.properties, "output_resources", None) or []
        return [str(r.id) for r in refs if getattr(r, "id", None)]

    async def _api_version(self, scope: Scope, resource_id: str) -> str:
        """The API version to address ``resource_id`` with: known for pyspire's own types, else the
        newest stable one its provider lists (asked once per type)."""
        typ = resource_type(resource_id)
        key = typ.lower()
        if key in self._api_versions:
            return self._api_versions[key]
        namespace, _, rest = typ.partition("/")
        client = await self._call(resource_id, self.clients.resources, scope.account)
        try:
            provider = await asyncio.to_thread(client.providers.get, namespace)
        except Exception as e:
            raise translate(e, f"provider {namespace}: providers.get") from None
        for entry in provider.resource_types or []:
            if str(entry.resource_type or "").lower() == rest.lower():
                versions = [str(v) for v in entry.api_versions or []]
                stable = [v for v in versions if "preview" not in v]
                if stable or versions:
                    self._api_versions[key] = sorted(stable or versions)[-1]
                    return self._api_versions[key]
        raise DeploymentFailed(f"provider {namespace} lists no API version for {rest or typ}")


def _text(value: Any) -> str:
    """An SDK enum (a ``str`` subclass whose ``str()`` is its name) or a string, as ARM's word."""
    return str(getattr(value, "value", value) or "")


def _name_of(deployment_id: str) -> str:
    return deployment_id.rstrip("/").rsplit("/", 1)[-1]
