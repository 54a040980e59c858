"""One resource's deployment: reuse the cache when allowed, otherwise deploy, save the running
marker and the deployment id, then wait; re-attach to a deployment an earlier app host started.

Called only from the controller's single reader (through a pass), so the state file has one writer."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping

from pyspire.errors import PermanentError, TemporaryError
from pyspire.provisioning.backend import Backend, DeploymentHandle
from pyspire.provisioning.checksum import deployment_checksum
from pyspire.provisioning.clock import Clock
from pyspire.provisioning.errors import DeploymentConflict, DeploymentFailed, DeploymentNotFound
from pyspire.provisioning.spec import Outputs, ResourceSpec, Scope
from pyspire.provisioning.state import DeploymentStateFile, ResourceRecord
from pyspire.provisioning.states import ProvisioningState as P
from pyspire.provisioning.status import StatusBoard


class Deployer:
    """Deploys resources through ``backend``, recording each step in ``state`` and ``board``.

    ``user_canceled`` tells a cancel by the user (stop the cloud deployment, show ``Canceled``) from
    the app host stopping (leave it running: the next app host re-attaches)."""

    def __init__(
        self,
        backend: Backend,
        state: DeploymentStateFile,
        board: StatusBoard,
        clock: Clock,
        user_canceled: Callable[[], bool],
        attempts: int = 3,
    ) -> None:
        self.backend = backend
        self.state = state
        self.board = board
        self.clock = clock
        self.user_canceled = user_canceled
        self.attempts = attempts

    def scope_for(self, name: str, base: Scope) -> Scope:
        """The environment's scope with this resource's location override, if any."""
        return base.with_region(self.state.record(name).location_override)

    async def provision(
        self, spec: ResourceSpec, base: Scope, prerequisite_outputs: Mapping[str, Mapping[str, str]], force: bool
    ) -> Outputs:
        """The resource's outputs, from the cache or from a deployment."""
        rec = self.state.record(spec.name)
        scope = self.scope_for(spec.name, base)
        resolved = spec.resolved(prerequisite_outputs)
        checksum = deployment_checksum(spec, resolved.parameters, scope)
        self.board.stamp(
            spec.name,
            account=scope.account,
            region=scope.region,
            group=scope.group,
            deployment=self.backend.deployment_name(resolved, scope),
        )
        handle: DeploymentHandle | None = None
        try:
            if rec.status == "running" and rec.deployment_id:
                handle = await self._reattach(rec, spec.name, scope)
                if handle is not None:
                    outputs = await self._wait(handle, rec)
                    if rec.checksum == checksum and not force:
                        return self._succeeded(spec, rec, outputs)
                    handle = None  # an older template finished: deploy the current one
            cached = rec.parsed_outputs()
            if not force and rec.status == "succeeded" and rec.checksum == checksum and cached is not None:
                self.board.stamp(spec.name, deployment_id=rec.deployment_id)
                self.board.set(spec.name, P.PROVISIONED)
                return cached
            self.board.set(spec.name, P.PREPARING_TEMPLATE)
            self.board.set(spec.name, P.CREATING_DEPLOYMENT)
            handle = await self._deploy(resolved, scope)
            rec.status, rec.deployment_id, rec.checksum = "running", handle.deployment_id, checksum
            rec.parameters, rec.scope, rec.error, rec.outputs = dict(resolved.parameters), scope.as_dict(), "", None
            self.state.save()  # before waiting: a killed app host re-attaches to this id
            self.board.stamp(spec.name, deployment_id=handle.deployment_id)
            outputs = await self._wait(handle, rec)
            return self._succeeded(spec, rec, outputs)
        except asyncio.CancelledError:
            if self.user_canceled():
                self.board.set(spec.name, P.CANCELED)
                if handle is not None:
                    rec.status = "canceled"
                    self.state.save()
                    with contextlib.suppress(asyncio.CancelledError):
                        await asyncio.shield(self._cancel_quietly(handle))
            raise
        except Exception as e:  # the cloud's verdict, or a transient error past its retries
            if rec.status == "running" or handle is not None:
                rec.status, rec.error = "failed", str(e)
                self.state.save()
            self.board.set(spec.name, P.FAILED_TO_PROVISION, str(e))
            raise

    def _succeeded(self, spec: ResourceSpec, rec: ResourceRecord, outputs: Outputs) -> Outputs:
        outputs = Outputs(dict(outputs.values), outputs.secrets | spec.secret_outputs)
        rec.status, rec.outputs, rec.secret_outputs, rec.error = "succeeded", dict(outputs.values), sorted(outputs.secrets), ""
        self.state.save()
        self.board.set(spec.name, P.PROVISIONED)
        return outputs

    async def _reattach(self, rec: ResourceRecord, name: str, scope: Scope) -> DeploymentHandle | None:
        """The earlier app host's deployment, or ``None`` when the cloud no longer knows it."""
        saved = self.state.scope_of(name) or scope
        self.board.stamp(name, deployment_id=rec.deployment_id)
        self.board.set(name, P.WAITING_FOR_DEPLOYMENT, "re-attached to a deployment started earlier")
        try:
            return await self._retrying(lambda: self.backend.attach(rec.deployment_id, name, saved))
        except DeploymentNotFound:
            return None

    async def _deploy(self, spec: ResourceSpec, scope: Scope) -> DeploymentHandle:
        """Start the deployment; on a conflicting active one, wait for it to end and start ours."""
        for attempt in range(1, self.attempts + 1):
            try:
                return await self.backend.deploy(spec, scope)
            except DeploymentConflict as e:
                if attempt == self.attempts:
                    raise DeploymentFailed(f"{spec.name}: {e}") from e
                active = await self.backend.attach(e.active_deployment_id, spec.name, scope)
                try:
                    await self.backend.wait(active)
                except PermanentError:
                    pass  # its outcome does not matter: ours replaces it
            except TemporaryError as e:
                if attempt == self.attempts:
                    raise DeploymentFailed(f"{spec.name}: gave up after {attempt} attempts: {e}") from e
                await self.clock.sleep(e.delay)
        raise AssertionError("unreachable")

    async def _wait(self, handle: DeploymentHandle, rec: ResourceRecord) -> Outputs:
        """Wait for the end; a transient error while following it re-attaches and keeps waiting."""
        self.board.set(handle.resource, P.WAITING_FOR_DEPLOYMENT)
        for attempt in range(1, self.attempts + 1):
            try:
                return await self.backend.wait(handle)
            except TemporaryError as e:
                if attempt == self.attempts:
                    raise DeploymentFailed(f"{handle.resource}: gave up waiting after {attempt} attempts: {e}") from e
                await self.clock.sleep(e.delay)
                handle = await self.backend.attach(handle.deployment_id, handle.resource, handle.scope)
        raise AssertionError("unreachable")

    async def _retrying(self, call: Callable[[], Awaitable[DeploymentHandle]]) -> DeploymentHandle:
        for attempt in range(1, self.attempts + 1):
            try:
                return await call()
            except TemporaryError as e:
                if attempt == self.attempts:
                    raise DeploymentFailed(f"gave up re-attaching after {attempt} attempts: {e}") from e
                await self.clock.sleep(e.delay)
        raise AssertionError("unreachable")

    async def _cancel_quietly(self, handle: DeploymentHandle) -> None:
        try:
            await self.backend.cancel(handle)
        except (PermanentError, TemporaryError):
            pass  # best effort: the state says canceled, a reprovision redeploys
