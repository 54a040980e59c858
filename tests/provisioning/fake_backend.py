"""A backend-neutral fake cloud behind the same :class:`Backend` protocol as the real ones, for what
neither moto nor a fake ARM transport can show on demand: long-running deployments held on a latch,
cancel, re-attach after a killed app host, asynchronous failures, conflicting active deployments,
transient errors; and a clock the tests move by hand.

:class:`FakeCloud` is the world (it outlives an app host); :class:`FakeBackend` is one app host's
client of it, so a "killed" host is a controller and backend thrown away, the cloud kept."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field

from pyspire.errors import PermanentError, TemporaryError
from pyspire.provisioning import (
    DeployedResource,
    DeploymentConflict,
    DeploymentFailed,
    DeploymentHandle,
    DeploymentNotFound,
    Outputs,
    Presence,
    ResourceSpec,
    Scope,
)


@dataclass
class FakeDeployment:
    id: str
    resource: str
    scope: Scope
    parameters: dict[str, object]
    template: dict[str, object]
    status: str = "running"  # running, succeeded, failed, canceled
    error: str = ""
    done: asyncio.Event = field(default_factory=asyncio.Event)
    foreign: bool = False


class FakeCloud:
    """Resources keyed by (name, region); deployments by id; a log of what happened, in order."""

    def __init__(self) -> None:
        self.resources: dict[tuple[str, str], dict[str, str]] = {}
        self.deployments: dict[str, FakeDeployment] = {}
        self.log: list[str] = []
        self.held: set[str] = set()
        self.fail: dict[str, str] = {}
        #: Real seconds each deployment takes (0: done at once).
        self.latency = 0.0
        self._ids = itertools.count(1)

    def hold(self, name: str) -> None:
        """Deployments of ``name`` stay running until :meth:`release`."""
        self.held.add(name)

    def release(self, name: str) -> None:
        self.held.discard(name)
        for d in self.deployments.values():
            if d.resource == name and d.status == "running":
                self._finish(d)

    def fail_next(self, name: str, error: str) -> None:
        """The next deployment of ``name`` is accepted, then fails with ``error`` (as clouds do)."""
        self.fail[name] = error

    def start(self, resource: str, scope: Scope, spec: ResourceSpec | None, foreign: bool = False) -> FakeDeployment:
        d = FakeDeployment(
            f"dep-{next(self._ids)}-{resource}",
            resource,
            scope,
            dict(spec.parameters) if spec else {},
            dict(spec.template) if spec else {},
            foreign=foreign,
        )
        self.deployments[d.id] = d
        self.log.append(f"deploy {resource}")
        if resource not in self.held:
            if self.latency > 0:
                asyncio.get_running_loop().call_later(self.latency, self._finish, d)
            else:
                self._finish(d)
        return d

    def _finish(self, d: FakeDeployment) -> None:
        if d.resource in self.fail and not d.foreign:
            d.status, d.error = "failed", self.fail.pop(d.resource)
        else:
            d.status = "succeeded"
            self.resources[(d.resource, d.scope.region)] = self.outputs_of(d)
        self.log.append(f"done {d.resource}")
        d.done.set()

    def outputs_of(self, d: FakeDeployment) -> dict[str, str]:
        out = {"name": d.resource, "region": d.scope.region, "account": d.scope.account, "deployment": d.id}
        out.update({f"param_{k}": str(v) for k, v in d.parameters.items()})
        return out

    def delete_out_of_band(self, name: str, region: str) -> None:
        del self.resources[(name, region)]

    def deploy_count(self, name: str | None = None) -> int:
        return sum(1 for d in self.deployments.values() if not d.foreign and (name is None or d.resource == name))

    def running(self, name: str) -> list[FakeDeployment]:
        return [d for d in self.deployments.values() if d.resource == name and d.status == "running"]


class FakeBackend:
    """One app host's client of a :class:`FakeCloud`; records every call it gets."""

    def __init__(self, cloud: FakeCloud) -> None:
        self.cloud = cloud
        self.calls: list[tuple[str, str]] = []
        #: Raise a TemporaryError this many times for ("deploy"|"wait"|"exists", name).
        self.transient: dict[tuple[str, str], int] = {}
        #: Answer this for drift probes of a resource instead of looking.
        self.presence: dict[str, Presence] = {}
        #: Drift probes wait on this while it is clear.
        self.probe_gate = asyncio.Event()
        self.probe_gate.set()
        self.probes_in_flight = 0
        self.max_probes_in_flight = 0
        self.reject: dict[str, str] = {}

    def _maybe_transient(self, op: str, name: str) -> None:
        left = self.transient.get((op, name), 0)
        if left:
            self.transient[(op, name)] = left - 1
            raise TemporaryError(f"{op} {name}: throttled", delay=0.0)

    def deployment_name(self, spec: ResourceSpec, scope: Scope) -> str:
        return f"{scope.group}-{spec.name}"

    async def deploy(self, spec: ResourceSpec, scope: Scope) -> DeploymentHandle:
        self.calls.append(("deploy", spec.name))
        await asyncio.sleep(0)
        if spec.name in self.reject:
            raise DeploymentFailed(self.reject[spec.name])
        self._maybe_transient("deploy", spec.name)
        active = self.cloud.running(spec.name)
        if active:
            raise DeploymentConflict(f"deployment {active[0].id} is still active", active[0].id)
        d = self.cloud.start(spec.name, scope, spec)
        return DeploymentHandle(spec.name, d.id, scope)

    async def wait(self, handle: DeploymentHandle) -> Outputs:
        self.calls.append(("wait", handle.resource))
        self._maybe_transient("wait", handle.resource)
        d = self.cloud.deployments[handle.deployment_id]
        await d.done.wait()
        if d.status != "succeeded":
            raise DeploymentFailed(f"{handle.resource}: {d.error or d.status}")
        return Outputs(self.cloud.outputs_of(d), frozenset({"deployment"}) if "secret" in d.template else frozenset())

    async def attach(self, deployment_id: str, resource: str, scope: Scope) -> DeploymentHandle:
        self.calls.append(("attach", resource))
        d = self.cloud.deployments.get(deployment_id)
        if d is None:
            raise DeploymentNotFound(f"no deployment {deployment_id}")
        return DeploymentHandle(resource, d.id, d.scope)

    async def exists(self, resource: DeployedResource) -> Presence:
        self.calls.append(("exists", resource.name))
        self.probes_in_flight += 1
        self.max_probes_in_flight = max(self.max_probes_in_flight, self.probes_in_flight)
        try:
            await self.probe_gate.wait()
            self._maybe_transient("exists", resource.name)
            if resource.name in self.presence:
                return self.presence[resource.name]
            key = (resource.name, resource.scope.region)
            return Presence.EXISTS if key in self.cloud.resources else Presence.MISSING
        finally:
            self.probes_in_flight -= 1

    async def delete(self, resource: DeployedResource) -> None:
        self.calls.append(("delete", resource.name))
        self.cloud.log.append(f"delete {resource.name}")
        await asyncio.sleep(0)
        self.cloud.resources.pop((resource.name, resource.scope.region), None)

    async def cancel(self, handle: DeploymentHandle) -> None:
        self.calls.append(("cancel", handle.resource))
        d = self.cloud.deployments.get(handle.deployment_id)
        if d is None:
            raise PermanentError(f"no deployment {handle.deployment_id}")
        if d.status == "running":
            d.status = "canceled"
            self.cloud.log.append(f"canceled {d.resource}")
            d.done.set()

    def count(self, op: str, name: str | None = None) -> int:
        return sum(1 for o, n in self.calls if o == op and (name is None or n == name))


class ManualClock:
    """A clock that moves only when the test says: sleepers wake when :meth:`advance` passes them."""

    def __init__(self) -> None:
        self._now = 0.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self._now + seconds, fut))
        await fut

    @property
    def sleeping(self) -> int:
        return sum(1 for _, f in self._sleepers if not f.done())

    async def advance(self, seconds: float) -> None:
        self._now += seconds
        for due, fut in self._sleepers:
            if due <= self._now and not fut.done():
                fut.set_result(None)
        self._sleepers = [(d, f) for d, f in self._sleepers if not f.done()]
        await settle()


async def settle(rounds: int = 50) -> None:
    """Let every task that can run, run."""
    for _ in range(rounds):
        await asyncio.sleep(0)


async def wait_until(predicate: object, timeout: float = 3.0) -> None:
    """Poll ``predicate()`` until true; fail the test after ``timeout`` seconds."""
    assert callable(predicate)
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.001)
