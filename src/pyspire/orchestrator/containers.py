"""The Container controller: turns Container objects into running podman/docker containers.

Starting a container: get the image (build it, or pull it according to the pull policy, with the
output streaming into the resource's log), wait for its network and volumes, then either adopt an
existing persistent container whose lifecycle key matches or run a new one. While it runs, its
output is followed into the log store, its published ports become Endpoint objects for the
Service proxies, and ``wait`` reports how it ended. ``spec.stop`` stops it; deleting the object
removes a session container and leaves a persistent one to outlive the app host.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass, field

from pyspire.errors import PermanentError
from pyspire.labels import LABEL_LIFECYCLE_KEY
from pyspire.orchestrator.container_spec import lifecycle_key, run_spec
from pyspire.orchestrator.controller import Controller
from pyspire.orchestrator.engine import EngineProvider
from pyspire.orchestrator.logs import LogStore, PipeReader
from pyspire.orchestrator.objects import (
    CONTAINER,
    CONTAINER_NETWORK,
    CONTAINER_VOLUME,
    ENDPOINT,
    FINALIZER,
    LABEL_RESOURCE,
    new_endpoint,
)
from pyspire.orchestrator.store import Obj, ObjectStore, now_rfc3339
from pyspire.runtime.containers import ContainerEngineError, ContainerRuntime, NoContainerEngine
from pyspire.runtime.errors import SpawnError
from pyspire.runtime.process import SpawnedProcess, kill_group_now, spawn


class ContainerStartError(PermanentError):
    """Terminal: the container cannot start with this configuration (the message says why)."""


@dataclass
class _Running:
    """What the controller holds for one started container."""

    resource: str
    container_id: str = ""
    persistent: bool = False
    starting: asyncio.Task[None] | None = None
    follower: SpawnedProcess | None = None
    readers: list[PipeReader] = field(default_factory=list)
    endpoints: list[str] = field(default_factory=list)
    stopping: bool = False
    deleting: bool = False
    exited: asyncio.Event = field(default_factory=asyncio.Event)


class ContainerController(Controller):
    kinds = (CONTAINER,)

    def __init__(self, store: ObjectStore, logs: LogStore, engines: EngineProvider) -> None:
        super().__init__(store)
        self.logs = logs
        self.engines = engines
        self._containers: dict[str, _Running] = {}

    async def reconcile(self, name: str) -> None:
        obj = self.store.find(CONTAINER, name)
        if obj is None:
            return
        held = self._containers.get(name)
        if obj["metadata"].get("deletionTimestamp"):
            if held is not None:
                held.deleting = True
                await asyncio.shield(self._release(name, obj, held))
            self.store.remove_finalizer(CONTAINER, name, FINALIZER)
            return
        if obj["spec"].get("stop"):
            if held is not None and not held.stopping:
                await self._stop(name, obj, held)
            elif held is None and obj["status"].get("state") in (None, "Starting", "Building"):
                self.store.patch_status(
                    CONTAINER, name, {"state": "Terminated", "finishTimestamp": now_rfc3339()}
                )
            return
        if held is None and not obj["status"].get("state"):
            held = self._containers[name] = _Running(
                obj["metadata"]["labels"].get(LABEL_RESOURCE, name), persistent=bool(obj["spec"]["persistent"])
            )
            self.store.patch_status(CONTAINER, name, {"state": "Starting"})
            held.starting = self.spawn_task(self._start(name, obj, held), name=f"start-{name}")

    # -- starting ------------------------------------------------------------------------------

    def _log(self, held: _Running, text: str) -> None:
        self.logs.system(held.resource, text)

    async def _start(self, name: str, obj: Obj, held: _Running) -> None:
        spec = obj["spec"]
        try:
            runtime = await self.engines.get()
            # The image and the network / volumes do not depend on each other: prepare at once.
            image_id, gateway, _ = await asyncio.gather(
                self._image(runtime, name, spec, held),
                self._wait_ready(CONTAINER_NETWORK, "networkName", [spec["network"]] if spec.get("network") else []),
                self._wait_ready(
                    CONTAINER_VOLUME,
                    "volumeName",
                    [m["source"] for m in spec["mounts"] if m["kind"] == "volume" and m["source"]],
                ),
            )
            if runtime.name == "docker" and gateway:
                # Docker on Linux has no host alias by itself; podman maps its own to the gateway.
                spec = {**spec, "extraHosts": {runtime.host_alias: gateway, **spec.get("extraHosts", {})}}
            key = lifecycle_key(spec, image_id)
            container_id, adopted = await self._run_or_adopt(runtime, spec, key, held)
        except (NoContainerEngine, ContainerEngineError, ContainerStartError, ValueError, OSError) as exc:
            # ValueError / OSError: a spec the engine CLI cannot express, a CLI that cannot run.
            # Anything else escaping would take the whole controller (its task group) down.
            self._log(held, f"{name} failed to start: {exc}")
            self.store.patch_status(
                CONTAINER,
                name,
                {"state": "FailedToStart", "message": str(exc), "finishTimestamp": now_rfc3339()},
            )
            self._containers.pop(name, None)
            held.exited.set()
            return
        held.container_id = container_id
        self._follow_logs(runtime, name, held)
        self.store.patch_status(
            CONTAINER,
            name,
            {
                "state": "Running",
                "containerId": container_id,
                "engine": runtime.name,
                "adopted": adopted,
                "startupTimestamp": now_rfc3339(),
                "message": None,
            },
        )
        for port in spec["ports"]:
            endpoint_name = f"{name}-{port['service']}"
            self.store.create(
                new_endpoint(
                    endpoint_name, service=port["service"], owner=name, address="127.0.0.1", port=port["hostPort"]
                )
            )
            held.endpoints.append(endpoint_name)
        self.spawn_task(self._monitor(runtime, name, held), name=f"monitor-{name}")

    async def _image(self, runtime: ContainerRuntime, name: str, spec: Obj, held: _Running) -> str:
        """Build or pull as the spec says; returns the image id (part of the lifecycle key)."""
        image = spec["image"]
        build = spec.get("build")

        def line(text: str) -> None:
            self.logs.append(held.resource, name, "stdout", [text])

        if build:
            self.store.patch_status(CONTAINER, name, {"state": "Building", "message": f"building {image}"})
            self._log(held, f"building {image} from {build['dockerfile'] or build['context'] + '/Dockerfile'}")
            await runtime.build(
                build["context"],
                image,
                line,
                dockerfile=build.get("dockerfile"),
                stage=build.get("stage"),
                build_args=build.get("args", {}),
                secrets=build.get("secrets", {}),
            )
            self.store.patch_status(CONTAINER, name, {"state": "Starting", "message": None})
        else:
            policy = spec.get("imagePullPolicy", "missing")
            image_id = None if policy == "always" else await runtime.image_id(image)
            if image_id is not None:
                return image_id
            if policy == "never":
                raise ContainerStartError(
                    f"image {image} is not present locally and the pull policy is 'never'; build or "
                    "pull it first, or use with_image_pull_policy('missing')"
                )
            self.store.patch_status(CONTAINER, name, {"message": f"pulling {image}"})
            self._log(held, f"pulling {image}")
            await runtime.pull(image, line)
            self.store.patch_status(CONTAINER, name, {"message": None})
        return await runtime.image_id(image) or image

    async def _wait_ready(self, kind: str, name_field: str, names: list[str]) -> str | None:
        """Wait for the networks / volumes (by engine name) the container needs, as far as they
        are orchestrator objects; a failed one fails the container. Returns the (last) network's
        IPv4 gateway."""
        pending = {n for n in names if any(o["spec"][name_field] == n for o in self.store.list(kind))}
        gateway: str | None = None
        if not pending:
            return gateway
        async for event in self.store.watch(kind):
            name = event.object["spec"][name_field]
            if name not in pending:
                continue
            state = event.object.get("status", {}).get("state")
            if event.type == "DELETED":
                raise ContainerStartError(f"{kind} {name} was deleted")
            if state == "Failed":
                raise ContainerStartError(str(event.object["status"].get("message")))
            if state == "Ready":
                pending.discard(name)
                gateway = next((g for g in event.object["status"].get("gateways", []) if ":" not in g), gateway)
                if not pending:
                    return gateway
        return gateway

    async def _run_or_adopt(
        self, runtime: ContainerRuntime, spec: Obj, key: str, held: _Running
    ) -> tuple[str, bool]:
        container_name = spec["containerName"]
        if not spec["persistent"]:
            # A session container's name is new on every run: no need to look for it first.
            try:
                return await runtime.run(run_spec(spec, {LABEL_LIFECYCLE_KEY: key})), False
            except ContainerEngineError as exc:
                if not exc.exists:
                    raise
        existing = await runtime.inspect(container_name)
        if existing is not None:
            if spec["persistent"] and existing.labels.get(LABEL_LIFECYCLE_KEY) == key:
                if not existing.running:
                    await runtime.start(existing.id)
                self._log(held, f"re-adopted persistent container {container_name} ({existing.id[:12]})")
                return existing.id, True
            reason = "its configuration changed" if spec["persistent"] else "a container with its name exists"
            self._log(held, f"replacing container {container_name}: {reason}")
            await runtime.remove(existing.id)
        container_id = await runtime.run(run_spec(spec, {LABEL_LIFECYCLE_KEY: key}))
        return container_id, False

    def _follow_logs(self, runtime: ContainerRuntime, name: str, held: _Running) -> None:
        try:
            follower = spawn(runtime.logs_argv(held.container_id, follow=True), dict(os.environ), "/")
        except SpawnError as exc:
            self._log(held, f"cannot follow the container's output: {exc}")
            return
        held.follower = follower
        held.readers = [
            PipeReader(follower.stdout_fd, self.logs, held.resource, name, "stdout"),
            PipeReader(follower.stderr_fd, self.logs, held.resource, name, "stderr"),
        ]

    async def _monitor(self, runtime: ContainerRuntime, name: str, held: _Running) -> None:
        """Wait for the container to end, then record how."""
        try:
            code: int | None = await runtime.wait(held.container_id)
        except ContainerEngineError as exc:
            self._log(held, f"lost track of the container: {exc}")
            code = None
        self._remove_endpoints(held)
        await self._drain_logs(held)
        if held.deleting:
            held.exited.set()
            return
        state = "Terminated" if held.stopping else "Finished"
        self._log(held, f"{name} {'stopped' if held.stopping else 'exited'} with code {code}")
        self.store.patch_status(
            CONTAINER, name, {"state": state, "exitCode": code, "finishTimestamp": now_rfc3339()}
        )
        held.exited.set()

    async def _drain_logs(self, held: _Running) -> None:
        for reader in held.readers:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(reader.done), 1.0)
            reader.close()
        held.readers = []
        if held.follower is not None:
            kill_group_now(held.follower)
            held.follower.close()
            held.follower = None

    # -- stopping ------------------------------------------------------------------------------

    def _remove_endpoints(self, held: _Running) -> None:
        for endpoint_name in held.endpoints:
            self.store.delete(ENDPOINT, endpoint_name)
        held.endpoints.clear()

    async def _stop(self, name: str, obj: Obj, held: _Running) -> None:
        held.stopping = True
        if held.starting is not None and not held.starting.done():
            held.starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await held.starting
        if not held.container_id:
            self._containers.pop(name, None)
            self.store.patch_status(CONTAINER, name, {"state": "Terminated", "finishTimestamp": now_rfc3339()})
            return
        self._remove_endpoints(held)
        self.store.patch_status(CONTAINER, name, {"state": "Stopping"})
        runtime = await self.engines.get()
        try:
            await runtime.stop(held.container_id, float(obj["spec"].get("gracePeriodSeconds", 10.0)))
        except ContainerEngineError as exc:
            self._log(held, f"stop failed: {exc}")
        await held.exited.wait()

    async def _release(self, name: str, obj: Obj, held: _Running) -> None:
        """The object is going away: a session container is stopped and removed; a persistent
        one is left as it is (running, or stopped by command) for the next run to adopt."""
        if held.starting is not None and not held.starting.done():
            held.starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await held.starting
        self._containers.pop(name, None)
        self._remove_endpoints(held)
        if not held.container_id:
            return
        runtime = await self.engines.get()
        if not held.persistent:
            try:
                grace = 0.0 if held.exited.is_set() else float(obj["spec"].get("gracePeriodSeconds", 10.0))
                await runtime.remove(held.container_id, grace)
            except ContainerEngineError as exc:
                self._log(held, f"could not remove the container: {exc}")
        await self._drain_logs(held)

    async def kill_now(self) -> None:
        """Remove every session container at once (a second Ctrl+C)."""
        runtime = self.engines.runtime
        if runtime is None:
            return
        ids = [h.container_id for h in self._containers.values() if h.container_id and not h.persistent]
        await asyncio.gather(*(runtime.remove(i) for i in ids), return_exceptions=True)

    async def shutdown(self) -> None:
        for held in list(self._containers.values()):
            if held.follower is not None:
                kill_group_now(held.follower)
                held.follower.close()
            for reader in held.readers:
                reader.close()
        self._containers.clear()
