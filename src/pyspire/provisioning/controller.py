"""The provisioning controller (Aspire's ``AzureProvisioningController``, PR #15697): one asyncio
queue, one reader task. Startup provisioning, CLI, API and dashboard commands and the background
drift monitor all submit typed intents, so none of them races another over the cloud or the state
file. Cancel does not queue: it cancels the operation that is running.

Within a pass, resources fan out concurrently in dependency order (:mod:`.fanout`); each has a
completion future other parts of the app host await for its outputs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pyspire.errors import ConfigurationError
from pyspire.provisioning import intents as I
from pyspire.provisioning.backend import Backend
from pyspire.provisioning.clock import Clock, SystemClock
from pyspire.provisioning.deployer import Deployer
from pyspire.provisioning.drift import deployed, detect_drift
from pyspire.provisioning.errors import MissingConfiguration, OperationCanceled, UnknownCloudResource
from pyspire.provisioning.fanout import run_in_order
from pyspire.provisioning.graph import dependency_order, dependents
from pyspire.provisioning.spec import Outputs, ResourceSpec, Scope
from pyspire.provisioning.state import DeploymentStateFile
from pyspire.provisioning.states import EnvironmentState as E
from pyspire.provisioning.states import ProvisioningState as P
from pyspire.provisioning.status import StatusBoard

DEFAULT_DRIFT_INTERVAL = 30.0


@dataclass(frozen=True)
class PassResult:
    """How each resource of a pass ended: its outputs, or the error it failed with."""

    outputs: Mapping[str, Outputs]
    failed: Mapping[str, BaseException]


class ProvisioningController:
    """Provisions ``resources`` into ``scope`` through ``backend``, keeping state in ``state_path``.

    ``required``: scope fields that must be set (``{"region": "AWS:Region"}``: field → the setting
    that sets it); while one is empty the environment shows ``Missing configuration``."""

    def __init__(
        self,
        scope: Scope,
        resources: Sequence[ResourceSpec],
        backend: Backend,
        state_path: Path,
        *,
        clock: Clock | None = None,
        drift_interval: float = DEFAULT_DRIFT_INTERVAL,
        attempts: int = 3,
        required: Mapping[str, str] | None = None,
    ) -> None:
        self.specs = dependency_order(resources)
        self._by_name = {s.name: s for s in self.specs}
        self._dependents = dependents(self.specs)
        self.backend = backend
        self.clock: Clock = clock or SystemClock()
        self.drift_interval = drift_interval
        self.required = dict(required or {})
        self.state = DeploymentStateFile(state_path)
        self.scope = _with_context(scope, self.state.context)
        self.board = StatusBoard(scope.environment, [s.name for s in self.specs])
        self._user_cancel = False
        self.deployer = Deployer(backend, self.state, self.board, self.clock, lambda: self._user_cancel, attempts)
        self._queue: asyncio.Queue[I.Intent] = asyncio.Queue()
        self._reader: asyncio.Task[None] | None = None
        self._monitor: asyncio.Task[None] | None = None
        self._active: asyncio.Task[Any] | None = None
        self._active_intent: I.Intent | None = None
        self._drift: I.DetectDrift | None = None
        #: The label of the user-visible operation running now (commands are disabled meanwhile).
        self.current_operation: str | None = None
        self._completions: dict[str, asyncio.Future[Outputs]] = {}

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self, drift: bool = True) -> None:
        """Start the reader (and the drift monitor): call from the app host's event loop."""
        if self._reader is None:
            self._reader = asyncio.create_task(self._read(), name="provisioning reader")
        if drift and self._monitor is None:
            self._monitor = asyncio.create_task(self._monitor_drift(), name="provisioning drift monitor")

    async def stop(self) -> None:
        """Stop reading. A deployment in flight is left running in the cloud, its ``running``
        marker in the state file: the next app host re-attaches to it."""
        for task in (self._monitor, self._reader):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._monitor = self._reader = None
        while not self._queue.empty():
            self._queue.get_nowait().future.cancel()

    # -- submitting --------------------------------------------------------------------------------

    def submit(self, intent: I.Intent) -> asyncio.Future[Any]:
        """Queue ``intent`` behind every earlier one; its future says how it ended."""
        for name in intent.targets() or ():
            if name not in self._by_name:
                raise UnknownCloudResource(f"{name} is not a cloud resource of this app")
        self._queue.put_nowait(intent)
        return intent.future

    async def run(self, intent: I.Intent) -> Any:
        return await self.submit(intent)

    def request_drift_check(self) -> asyncio.Future[Any]:
        """Queue a drift check unless one is already queued or running (at most one)."""
        if self._drift is None or self._drift.future.done():
            self._drift = I.DetectDrift()
            self.submit(self._drift)
        return self._drift.future

    def cancel(self, resource: str | None = None) -> bool:
        """Cancel the running user-visible operation at once (not queued); with ``resource``, only
        if that operation acts on it (a resource's Cancel command). False if there was none."""
        if self._active is None or self._active_intent is None or self._active.done():
            return False
        if self._active_intent.label is None:
            return False  # a drift check is not the user's to cancel
        targets = self._active_intent.targets()
        if resource is not None and targets is not None and resource not in targets:
            return False
        self._user_cancel = True
        self._active.cancel()
        return True

    def completion(self, name: str) -> asyncio.Future[Outputs]:
        """Completes (once) with ``name``'s outputs when the current or next pass has provisioned it."""
        if name not in self._completions:
            self._completions[name] = asyncio.get_running_loop().create_future()
        return self._completions[name]

    def missing_configuration(self) -> tuple[str, ...]:
        return tuple(setting for field, setting in self.required.items() if not getattr(self.scope, field, ""))

    # -- the reader --------------------------------------------------------------------------------

    async def _read(self) -> None:
        while True:
            intent = await self._queue.get()
            if intent.future.done():
                continue  # its caller gave up while it waited
            self.current_operation = intent.label
            self._active_intent = intent
            self._user_cancel = False
            self._active = asyncio.create_task(self._execute(intent), name=f"provisioning: {intent.label}")
            try:
                result = await self._active
            except asyncio.CancelledError:
                reader = asyncio.current_task()
                if reader is not None and reader.cancelling():
                    intent.future.cancel()
                    raise
                if not intent.future.done():
                    intent.future.set_exception(OperationCanceled(f"{intent.label or 'operation'} was canceled"))
                    intent.future.exception()
            except Exception as e:
                if not intent.future.done():
                    intent.future.set_exception(e)
            else:
                if not intent.future.done():
                    intent.future.set_result(result)
            finally:
                self.current_operation = None
                self._active, self._active_intent = None, None
                self._user_cancel = False

    async def _monitor_drift(self) -> None:
        """Every interval *after the previous check finished*: checks never overlap or pile up."""
        while True:
            await self.clock.sleep(self.drift_interval)
            with contextlib.suppress(Exception):
                await self.request_drift_check()

    async def _execute(self, intent: I.Intent) -> Any:
        if isinstance(intent, I.ChangeContext):
            return await self._change_context(intent)
        if isinstance(intent, I.ForgetState):
            self._forget(intent.resource)
            return None
        if isinstance(intent, I.ResetState) and not intent.then_reprovision:
            self._reset()
            return None
        if isinstance(intent, I.DetectDrift) and self.missing_configuration():
            return []
        self._require_configuration()
        if isinstance(intent, I.EnsureProvisioned):
            return await self._pass(set())
        if isinstance(intent, I.ReprovisionAll):
            return await self._pass({s.name for s in self.specs})
        if isinstance(intent, I.Reprovision):
            return await self._pass({intent.resource})
        if isinstance(intent, I.ResetState):
            self._reset()
            return await self._pass(set())
        if isinstance(intent, I.ChangeLocation):
            if not intent.region:
                raise ConfigurationError(f"change location of {intent.resource}: name the region")
            await self._delete_one(intent.resource, final=False)
            self.state.record(intent.resource).location_override = intent.region
            self.state.save()
            return await self._pass({intent.resource})
        if isinstance(intent, I.Delete):
            await self._delete_one(intent.resource)
            self._settle_environment()
            return None
        if isinstance(intent, I.DeleteAll):
            return await self._delete_all()
        if isinstance(intent, I.DetectDrift):
            missing_now = await detect_drift(self.specs, self.backend, self.state, self.board)
            self._settle_environment()
            return missing_now
        raise TypeError(f"unknown intent {intent!r}")

    # -- operations --------------------------------------------------------------------------------

    async def _pass(self, force: set[str]) -> PassResult:
        """Provision every resource (cached ones cost no cloud call), forcing those in ``force``."""
        self.board.set_environment(E.PROVISIONING)
        futures: dict[str, asyncio.Future[Outputs]] = {}
        for s in self.specs:
            cur = self._completions.get(s.name)
            futures[s.name] = cur if cur is not None and not cur.done() else asyncio.get_running_loop().create_future()
            self._completions[s.name] = futures[s.name]

        async def work(name: str, ready: dict[str, Outputs]) -> Outputs:
            return await self.deployer.provision(
                self._by_name[name], self.scope, {k: v.values for k, v in ready.items()}, name in force
            )

        def blocked(name: str, error: Exception) -> None:
            self.board.set(name, P.FAILED_TO_PROVISION, str(error))

        waits = {s.name: s.prerequisites() for s in self.specs}
        await run_in_order([s.name for s in self.specs], waits, work, futures, blocked)
        outputs = {n: f.result() for n, f in futures.items() if not f.cancelled() and f.exception() is None}
        failed = {n: e for n, f in futures.items() if not f.cancelled() and (e := f.exception()) is not None}
        self._settle_environment()
        return PassResult(outputs, failed)

    def _settle_environment(self) -> None:
        states = {st.state for st in self.board.resources.values()}
        if P.MISSING_IN_CLOUD in states:
            self.board.set_environment(E.DRIFTED, "resources were deleted outside pyspire")
        elif P.FAILED_TO_PROVISION in states:
            self.board.set_environment(E.FAILED)
        elif states == {P.PROVISIONED}:
            self.board.set_environment(E.READY)
        else:
            self.board.set_environment(E.NOT_PROVISIONED)

    async def _delete_one(self, name: str, final: bool = True) -> None:
        """Delete ``name`` in the cloud where the state file says it is, then forget it (the
        location override stays). Without a record there is nothing to delete."""
        target = deployed(self._by_name[name], self.state)
        if target is not None:
            self.board.set(name, P.DELETING)
            await self.backend.delete(target)
        self.state.records[name] = self.state.record(name).forgotten()
        self.state.save()
        self._completions.pop(name, None)
        self.board.set(name, P.DELETED if final else P.NOT_PROVISIONED)

    async def _delete_all(self) -> Mapping[str, BaseException]:
        """Dependents first, independent ones concurrently; the resources that failed to delete."""
        futures: dict[str, asyncio.Future[None]] = {
            s.name: asyncio.get_running_loop().create_future() for s in self.specs
        }

        async def work(name: str, ready: dict[str, None]) -> None:
            await self._delete_one(name)

        await run_in_order([s.name for s in self.specs], self._dependents, work, futures)
        self._settle_environment()
        return {n: e for n, f in futures.items() if not f.cancelled() and (e := f.exception()) is not None}

    async def _change_context(self, intent: I.ChangeContext) -> PassResult:
        """Adopt the new context (saved, so the next app host uses it) and provision into it."""
        self.scope = replace(
            self.scope,
            account=self.scope.account if intent.account is None else intent.account,
            region=self.scope.region if intent.region is None else intent.region,
            group=self.scope.group if intent.group is None else intent.group,
            extra=self.scope.extra if intent.extra is None else dict(intent.extra),
        )
        self.state.context = {k: v for k, v in self.scope.as_dict().items() if k != "environment"}
        self.state.save()
        self._require_configuration()
        return await self._pass(set())

    def _require_configuration(self) -> None:
        """Show and raise what the environment still lacks; the rest of the app runs on."""
        missing = self.missing_configuration()
        if not missing:
            return
        message = f"missing configuration: set {', '.join(missing)}"
        for s in self.specs:
            self.board.set(s.name, P.MISSING_CONFIGURATION, message)
        self.board.set_environment(E.MISSING_CONFIGURATION, message)
        raise MissingConfiguration(self.scope.environment, missing)

    def _forget(self, name: str) -> None:
        self.state.records[name] = self.state.record(name).forgotten()
        self.state.save()
        self.board.set(name, P.NOT_PROVISIONED)

    def _reset(self) -> None:
        for s in self.specs:
            self.state.records[s.name] = self.state.record(s.name).forgotten()
            self.board.set(s.name, P.NOT_PROVISIONED)
        self.state.save()
        self.board.set_environment(E.NOT_PROVISIONED)


def _with_context(scope: Scope, context: Mapping[str, Any]) -> Scope:
    """The configured scope, with the context a change-context command saved taking precedence."""
    if not context:
        return scope
    return replace(
        scope,
        account=str(context.get("account", scope.account)),
        region=str(context.get("region", scope.region)),
        group=str(context.get("group", scope.group)),
        extra={str(k): str(v) for k, v in dict(context.get("extra", scope.extra)).items()},
    )
