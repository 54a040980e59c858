"""Launching a resource: wait for its dependencies, then render and create its replicas.

Waits are evaluated on resource snapshots (:mod:`pyspire.executor.waits`). When one cannot be
satisfied the launch is Blocked — shown FailedToStart with the reason — and keeps watching: once
no wait fails any more (the dependency was fixed and started again) it waits again and starts, so
a chain of dependents (migrate → api → web) recovers by itself when the first link is fixed.

The user's code that runs while a replica is rendered (env and args callbacks, value providers)
cannot take the app host down: whatever it raises fails this resource only, with the user's
traceback in the resource's log.

A run-to-completion step may be up to date (an installer whose inputs did not change): asked
once its waits hold and its before-start subscribers returned, a resource whose
:meth:`~pyspire.model.resources.RunnableResource.up_to_date` gives a reason creates no replica
and ends Finished with exit code 0 and that reason, so what waits for its completion starts at
once. Each start (the app's, the ``start`` and ``restart`` commands) asks again.
"""

from __future__ import annotations

import asyncio

from pyspire.executor.phases import RunnerEvent
from pyspire.executor.replica_render import ReplicaRenderer
from pyspire.executor.runner_core import RunnerCore
from pyspire.executor.user_code import USER_ERRORS
from pyspire.executor.waits import DependencyFailed, until_unblocked, wait_for_dependencies
from pyspire.model.lifecycle import ExplicitStartAnnotation, WaitAnnotation
from pyspire.orchestrator.objects import LABEL_REPLICA_INDEX

E = RunnerEvent


class Launcher:
    def __init__(self, core: RunnerCore, renderer: ReplicaRenderer) -> None:
        self.core = core
        self.renderer = renderer
        self.waits = core.resource.annotations_of(WaitAnnotation)
        #: The current launch, while it runs (a command cancels it).
        self.task: asyncio.Task[None] | None = None

    def begin(self) -> None:
        """At app start: launch now (after the waits), or stay NotStarted if explicit-start."""
        if self.core.resource.annotations_of(ExplicitStartAnnotation):
            self.core.advance(E.START_DEFERRED, "waiting to be started by command")
        else:
            self.launch(skip_waits=False)

    def launch(self, skip_waits: bool) -> asyncio.Event:
        """Start the launch task; returns the event set once it has settled."""
        core = self.core
        core.advance(E.START_REQUESTED, publish=False)  # the launch publishes where it stands
        core.settled = settled = asyncio.Event()
        self.task = core.host.spawn(self._launch_body(skip_waits), f"launch-{core.name}")
        return settled

    async def _launch_body(self, skip_waits: bool) -> None:
        core = self.core
        secrets: set[str] = set()
        try:
            if self.waits and not skip_waits:
                await self._wait_for_dependencies()
            core.advance(E.WAITS_SATISFIED)
            # Lifecycle events: a resource's before-start hook is awaited here, once its waits
            # are satisfied and before any replica is created (what it raises fails the start).
            await core.host.before_start(core.resource)
            skipped = await self._up_to_date()
            if skipped is not None:
                core.log(skipped)
                core.advance(E.FOUND_UP_TO_DATE, skipped)
                return
            for allocation in core.host.addresses.for_resource(core.name):
                await allocation.bound
            for index in range(core.resource.replicas):
                if core.host.shutting_down:
                    return
                secrets |= await self.create_replica(index)
                # Creating a replica may not suspend at all: yield, so that however many there
                # are, signals (Ctrl+C), the controllers and the API keep being served.
                await asyncio.sleep(0)
            # The message stays: a replica may have crashed meanwhile ("restarting in 0.4s").
            core.advance(E.REPLICAS_CREATED, core.message, publish=None)
        except USER_ERRORS as exc:
            core.advance(E.START_FAILED, core.failure("cannot start", exc, secrets))
        finally:
            core.settled.set()

    async def _up_to_date(self) -> str | None:
        """The resource's reason to skip this start, if it is a step that has one."""
        return await self.core.resource.up_to_date()

    async def _wait_for_dependencies(self) -> None:
        """Return once every wait is satisfied; while one cannot be, stay Blocked and watch."""
        core = self.core
        core.advance(E.WAITS_PENDING, "waiting for dependencies")
        while True:
            try:
                await wait_for_dependencies(self.waits, core.host.snapshots, self.on_wait)
                return
            except DependencyFailed as exc:
                core.advance(E.DEPENDENCY_FAILED, core.failure("cannot start", exc))
                await until_unblocked(self.waits, core.host.snapshots)
                core.log("its dependencies are back; waiting for them again")
                core.advance(E.DEPENDENCY_RECOVERED, "waiting for dependencies")

    def on_wait(self, what: str) -> None:
        """Something the launch (or a replacement replica) needs is still awaited: say what."""
        self.core.log(what)
        self.core.advance(E.WAITS_PENDING, what)
        self.core.settled.set()

    async def create_replica(self, index: int) -> set[str]:
        """Render and create replica ``index``; raises what rendering raised, after registering
        the secrets it resolved so far for masking."""
        core, renderer = self.core, self.renderer
        redactor = core.host.orchestrator.redactor
        suffix = renderer.suffix(index)
        ctx = await renderer.context_for(index, self.on_wait)
        try:
            obj, launch = await renderer.render(index, suffix, ctx)
        except BaseException:
            redactor.add(ctx.secrets)
            raise
        redactor.add(launch.secrets)
        name = obj["metadata"]["name"]
        obj["metadata"]["labels"][LABEL_REPLICA_INDEX] = str(index)
        core.replicas.add(name, index, suffix)
        if index == 0:
            core.env_shown = launch.shown_env
        created = core.host.orchestrator.store.create(obj)
        core.replicas.created(name, created["metadata"]["uid"])
        core.advance(E.REPLICA_CREATED, publish=None)
        return launch.secrets
