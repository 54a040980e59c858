"""The one interface every cloud sits behind (CloudFormation with boto3, ARM with the Azure SDK,
the tests' fake): the controller never sees a cloud SDK.

A deployment is split in two so that its id can be saved before the long wait: :meth:`Backend.deploy`
starts it and returns at once, :meth:`Backend.wait` follows it to the end, :meth:`Backend.attach`
picks it up again after the app host was killed. Errors are pyspire's: :class:`TemporaryError`
(throttling, network: the controller retries) or :class:`PermanentError` (the cloud's verdict,
:class:`~pyspire.provisioning.errors.DeploymentFailed`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from pyspire.provisioning.spec import Outputs, ResourceSpec, Scope
from pyspire.provisioning.states import Presence


@dataclass(frozen=True)
class DeploymentHandle:
    """A deployment the cloud has accepted: its id is what the state file keeps."""

    resource: str
    deployment_id: str
    scope: Scope


@dataclass(frozen=True)
class DeployedResource:
    """A resource the state file says exists: what drift probes and deletes need."""

    name: str
    kind: str
    deployment_id: str
    scope: Scope
    outputs: Outputs = field(default_factory=lambda: Outputs({}))


@runtime_checkable
class Backend(Protocol):
    """A cloud, as the provisioning controller drives it. All methods are coroutines."""

    def deployment_name(self, spec: ResourceSpec, scope: Scope) -> str:
        """The name the deployment will have (ARM deployment name, CloudFormation stack name),
        known before any call: stamped on the resource so that a failed first call still says
        what it tried to create. Pure: no I/O."""
        ...

    async def deploy(self, spec: ResourceSpec, scope: Scope) -> DeploymentHandle:
        """Start deploying ``spec`` (parameters already resolved) into ``scope``; return as soon as
        the cloud has accepted it. Raises ``DeploymentConflict`` when another deployment of the same
        resource is still active."""
        ...

    async def wait(self, handle: DeploymentHandle) -> Outputs:
        """Follow the deployment to its end; its outputs, or ``DeploymentFailed`` with the cloud's error."""
        ...

    async def attach(self, deployment_id: str, resource: str, scope: Scope) -> DeploymentHandle:
        """Pick up a deployment started by an earlier app host; ``DeploymentNotFound`` if it is gone."""
        ...

    async def exists(self, resource: DeployedResource) -> Presence:
        """Drift probe. Auth and transient errors answer ``Presence.UNKNOWN``, never ``MISSING``."""
        ...

    async def delete(self, resource: DeployedResource) -> None:
        """Delete the resource and wait until it is gone; deleting what is gone is not an error."""
        ...

    async def cancel(self, handle: DeploymentHandle) -> None:
        """Ask the cloud to stop an active deployment (best effort)."""
        ...
