"""A complete integration written only against the public extension API, as the packages under
``pyspire.integrations`` will be: a Keystore resource with no process of its own.

- ``KeystoreResource`` + ``KeystoreBuilder``: the resource class and its builder (waits, health
  checks and commands come from ``LifecycleBuilder``);
- ``KeystoreHandler``: runs the resource — it creates a ``Keystore`` object, waits until the
  Keystore controller has provisioned it, then publishes Running, properties and two outputs
  (``url``, and a generated secret ``token``);
- the ``Keystore`` orchestrator kind (``kubectl get keystores``) and ``KeystoreController``,
  which provisions each object in ``PROVISIONING_SECONDS`` by requeueing itself;
- a custom command ``rotate`` (a new URL version, provisioned again) and a child resource, the
  ``<name>-audit`` process listed under its keystore.

``installed()`` registers the handler and the kind, and removes both on leaving.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sys
import time
from collections.abc import Iterator

from pyspire import DistributedApplicationBuilder
from pyspire.extensions import (
    KINDS,
    NAME_COLUMN,
    CommandResult,
    Controller,
    ControllerContext,
    HealthStatus,
    KindSpec,
    LifecycleBuilder,
    OutputReference,
    ResourceHandlerBase,
    ResourceState,
    Result,
    TableColumn,
    TeardownPhase,
    resource_handlers,
    writable_spec_fields,
)
from pyspire.model import Resource

KEYSTORE = "Keystore"
GROUP = "keystore.example.dev"
FINALIZER = f"{GROUP}/release"
#: How long the controller takes to provision a keystore (it requeues itself meanwhile).
PROVISIONING_SECONDS = 1.0


# -- the model ---------------------------------------------------------------------------------


class KeystoreResource(Resource):
    resource_type = "Keystore"

    def __init__(self, name: str) -> None:
        super().__init__(name)
        #: The handler running this resource, once the app host has made it (the ``rotate``
        #: command reaches the running keystore through it).
        self.handler: KeystoreHandler | None = None


class KeystoreBuilder(LifecycleBuilder[KeystoreResource]):
    @property
    def url(self) -> OutputReference:
        return self.output("url")

    @property
    def token(self) -> OutputReference:
        return self.output("token", secret=True)


async def _rotate(ctx: object) -> CommandResult:
    resource = _resources[ctx.resource]
    if resource.handler is None:
        return CommandResult.failure("the keystore is not running")
    return resource.handler.rotate()


_resources: dict[str, KeystoreResource] = {}


def add_keystore(builder: DistributedApplicationBuilder, name: str) -> KeystoreBuilder:
    """A keystore and its audit process (a child resource that prints the keystore's URL)."""
    resource = KeystoreResource(name)
    _resources[name] = resource
    keystore = KeystoreBuilder(builder, resource)
    builder.add_resource(keystore)
    keystore.with_command("rotate", "Rotate keys", _rotate, description="Issue a new key version")
    audit = "import os, time; print('auditing', os.environ['KEYSTORE_URL'], flush=True); time.sleep(3600)"
    builder.add_executable(f"{name}-audit", sys.executable, ".", "-c", audit).with_env(
        "KEYSTORE_URL", keystore.url
    ).with_parent(keystore).with_stop_grace_period(2)
    return keystore


# -- the handler -------------------------------------------------------------------------------


class KeystoreHandler(ResourceHandlerBase):
    """Creates the resource's Keystore object and publishes what its controller provisions."""

    _following: asyncio.Task[None] | None = None

    async def on_start(self) -> None:
        assert isinstance(self.resource, KeystoreResource)
        self.resource.handler = self
        store = self.ctx.store
        if store.find(KEYSTORE, self.ctx.name) is None:
            store.create(
                {
                    "apiVersion": f"{GROUP}/v1",
                    "kind": KEYSTORE,
                    "metadata": {"name": self.ctx.name, "finalizers": [FINALIZER]},
                    "spec": {"rotation": 0},
                    "status": {},
                }
            )
        self.ctx.publish(state=ResourceState.STARTING, message="provisioning the keystore")
        if self._following is None or self._following.done():
            self._following = self.ctx.spawn(self._follow(), "follow")

    async def _follow(self) -> None:
        """Publish each provisioned version: properties, outputs, Running and Healthy."""
        async for event in self.ctx.store.watch(KEYSTORE):
            obj = event.object
            status = obj.get("status") or {}
            if event.name != self.ctx.name or event.type == "DELETED" or status.get("state") != "Ready":
                continue
            self.ctx.set_output("url", status["url"])
            if "output.token" not in dict(self.ctx.snapshot.properties):
                self.ctx.set_output("token", secrets.token_hex(16), secret=True)
            self.ctx.publish(
                state=ResourceState.RUNNING,
                message=None,
                health=HealthStatus.HEALTHY,
                properties=(("version", str(status["rotation"] + 1)),),
            )

    def rotate(self) -> CommandResult:
        obj = self.ctx.store.find(KEYSTORE, self.ctx.name)
        if obj is None:
            return CommandResult.failure("the keystore object is gone")
        self.ctx.store.patch(KEYSTORE, self.ctx.name, {"spec": {"rotation": obj["spec"]["rotation"] + 1}})
        self.ctx.log(f"rotating to version {obj['spec']['rotation'] + 2}")
        return CommandResult.ok()

    async def on_stop(self) -> None:
        if self.ctx.store.find(KEYSTORE, self.ctx.name) is not None:
            self.ctx.store.delete(KEYSTORE, self.ctx.name)


# -- the kind and its controller --------------------------------------------------------------


class KeystoreController(Controller):
    """Provisions a Keystore in PROVISIONING_SECONDS (level-based: the reconcile looks at how long
    it has been provisioning and requeues itself for the rest), and releases a deleted one."""

    kinds = (KEYSTORE,)

    async def reconcile(self, name: str) -> Result | None:
        obj = self.store.find(KEYSTORE, name)
        if obj is None:
            return None
        if obj["metadata"].get("deletionTimestamp"):
            self.store.remove_finalizer(KEYSTORE, name, FINALIZER)
            return None
        rotation = obj["spec"]["rotation"]
        status = obj.get("status") or {}
        if status.get("rotation") == rotation and status.get("state") == "Ready":
            return None
        if status.get("rotation") != rotation or status.get("state") != "Provisioning":
            self.store.patch_status(
                KEYSTORE, name, {"state": "Provisioning", "rotation": rotation, "since": time.monotonic()}
            )
            return Result(requeue_after=PROVISIONING_SECONDS)
        remaining = status["since"] + PROVISIONING_SECONDS - time.monotonic()
        if remaining > 0:
            return Result(requeue_after=remaining)
        self.store.patch_status(
            KEYSTORE, name, {"state": "Ready", "rotation": rotation, "url": f"keystore://{name}/v{rotation + 1}"}
        )
        return None


KEYSTORE_KIND = KindSpec(
    kind=KEYSTORE,
    plural="keystores",
    short_names=("ks",),
    group=GROUP,
    version="v1",
    description="A keystore provisioned by the keystore integration.",
    columns=(
        NAME_COLUMN,
        TableColumn("State", ".status.state"),
        TableColumn("URL", ".status.url"),
    ),
    controller=lambda ctx: _controller(ctx),
    teardown=TeardownPhase.WORKLOADS,
    validate_update=writable_spec_fields({"rotation": int}),
)


def _controller(ctx: ControllerContext) -> KeystoreController:
    return KeystoreController(ctx.store)


@contextlib.contextmanager
def installed() -> Iterator[None]:
    """The integration registered (its handler and its kind) inside the block only."""
    with resource_handlers.registered(KeystoreResource, KeystoreHandler), KINDS.registered(KEYSTORE_KIND):
        yield
