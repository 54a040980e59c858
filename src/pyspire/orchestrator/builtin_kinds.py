"""The built-in kinds, declared once each, and the process-wide registry that holds them.

They register in :data:`KINDS` the same way an integration's kind does. Their columns read what
their controllers write in ``status`` (an Executable's state, pid and exit code; a Service's
address and port); their teardown phases give today's order: Executables and Containers in
parallel, then Services, then ContainerNetworks and ContainerVolumes. Endpoints are owned by the
replica controllers (created while a replica serves, removed when it stops), so shutdown leaves
them to those.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyspire.orchestrator.containers import ContainerController
from pyspire.orchestrator.executables import ExecutableController
from pyspire.orchestrator.kinds import (
    AGE_COLUMN,
    NAME_COLUMN,
    KindRegistry,
    KindSpec,
    TableColumn,
    TeardownPhase,
)
from pyspire.orchestrator.networks import ContainerNetworkController, ContainerVolumeController
from pyspire.orchestrator.objects import (
    CONTAINER,
    CONTAINER_NETWORK,
    CONTAINER_VOLUME,
    ENDPOINT,
    EXECUTABLE,
    LABEL_OWNER,
    LABEL_REPLICA_INDEX,
    LABEL_RESOURCE,
    LABEL_SERVICE,
    SERVICE,
)
from pyspire.orchestrator.services import ServiceController
from pyspire.orchestrator.store import Obj
from pyspire.orchestrator.update_rules import writable_spec_fields


def _label(key: str) -> Callable[[Obj], Any]:
    return lambda obj: (obj["metadata"].get("labels") or {}).get(key)


def _state(obj: Obj, before: str | None = None) -> Any:
    """The controller's state (``before`` until it writes one); ``Deleting`` while finalizers
    hold a deleted object."""
    if obj["metadata"].get("deletionTimestamp"):
        return "Deleting"
    return (obj.get("status") or {}).get("state") or before


def _replica_state(obj: Obj) -> Any:
    """A replica has no state until its controller picks it up: it is starting."""
    return _state(obj, "Starting")


def _command(obj: Obj) -> Any:
    spec = obj.get("spec") or {}
    return " ".join([str(spec.get("executablePath", "")), *map(str, spec.get("args") or [])]).strip() or None


def _short_id(obj: Obj) -> Any:
    container_id = (obj.get("status") or {}).get("containerId")
    return container_id[:12] if container_id else None


def _container_ports(obj: Obj) -> Any:
    ports = (obj.get("spec") or {}).get("ports") or []
    shown = [f"{p['hostPort']}->{p['containerPort']}/{str(p.get('protocol', 'tcp')).lower()}" for p in ports]
    return ",".join(shown) or None


def _service_address(obj: Obj) -> Any:
    return (obj.get("status") or {}).get("effectiveAddress") or (obj.get("spec") or {}).get("address")


def _service_port(obj: Obj) -> Any:
    return (obj.get("status") or {}).get("effectivePort") or (obj.get("spec") or {}).get("port") or None


def _gateways(obj: Obj) -> Any:
    return ",".join((obj.get("status") or {}).get("gateways") or []) or None


_MESSAGE = TableColumn("Message", ".status.message", "Why the object is in its state", priority=1)
_RESOURCE = TableColumn("Resource", _label(LABEL_RESOURCE), "The app model resource", priority=1)
_ENGINE = TableColumn("Engine", ".status.engine", "podman or docker", priority=1)
#: A client may stop a replica (and let it run again): nothing else in its spec.
_STOP_ONLY = writable_spec_fields({"stop": bool})

EXECUTABLE_KIND = KindSpec(
    kind=EXECUTABLE,
    plural="executables",
    short_names=("exe",),
    description="One process replica of an app model resource. Set spec.stop to stop it; delete it to "
    "have the app host replace it with a new replica.",
    columns=(
        NAME_COLUMN,
        TableColumn(
            "State", _replica_state, "Starting, Running, Stopping, Finished, Terminated or FailedToStart"
        ),
        TableColumn("PID", ".status.pid", "Process id of the replica", type="integer"),
        TableColumn("Exit Code", ".status.exitCode", "Exit code once the process has ended", type="integer"),
        TableColumn("Resource", _label(LABEL_RESOURCE), "The app model resource this replica belongs to"),
        AGE_COLUMN,
        TableColumn("Replica", _label(LABEL_REPLICA_INDEX), "Replica index within the resource", priority=1),
        TableColumn("Command", _command, "The program and its arguments", priority=1),
        _MESSAGE,
    ),
    controller=lambda ctx: ExecutableController(ctx.store, ctx.logs, ctx.observer),
    teardown=TeardownPhase.WORKLOADS,
    validate_update=_STOP_ONLY,
)

CONTAINER_KIND = KindSpec(
    kind=CONTAINER,
    plural="containers",
    short_names=("ctr",),
    description="One container of a container resource, run by podman or docker. Set spec.stop to stop it; "
    "delete it to have the app host replace it.",
    columns=(
        NAME_COLUMN,
        TableColumn(
            "State",
            _replica_state,
            "Building, Starting, Running, Stopping, Finished, Terminated, FailedToStart",
        ),
        TableColumn("Container ID", _short_id, "Engine container id (short)"),
        TableColumn("Image", ".spec.image", "Container image"),
        TableColumn("Ports", _container_ports, "Published ports: host->container/protocol"),
        AGE_COLUMN,
        _RESOURCE,
        TableColumn("Container Name", ".spec.containerName", "Name in the container engine", priority=1),
        _ENGINE,
        _MESSAGE,
    ),
    controller=lambda ctx: ContainerController(ctx.store, ctx.logs, ctx.engines),
    teardown=TeardownPhase.WORKLOADS,
    validate_update=_STOP_ONLY,
)

SERVICE_KIND = KindSpec(
    kind=SERVICE,
    plural="services",
    short_names=("svc",),
    description="One endpoint of a resource: the address and port clients use (a pyspire proxy, or the "
    "replica itself when proxyless).",
    columns=(
        NAME_COLUMN,
        TableColumn("State", _state, "NotReady, Ready or Failed"),
        TableColumn("Address", _service_address, "Address clients connect to"),
        TableColumn("Port", _service_port, "Port clients connect to", type="integer"),
        TableColumn("Protocol", ".spec.protocol", "TCP or UDP"),
        TableColumn("Mode", ".spec.addressAllocationMode", "Proxy (pyspire listens) or Proxyless"),
        AGE_COLUMN,
        _RESOURCE,
        _MESSAGE,
    ),
    controller=lambda ctx: ServiceController(ctx.store, ctx.proxies, ctx.ports),
    teardown=TeardownPhase.SERVICES,
)

ENDPOINT_KIND = KindSpec(
    kind=ENDPOINT,
    plural="endpoints",
    short_names=("ep",),
    description="One replica serving a Service (created while the replica runs).",
    columns=(
        NAME_COLUMN,
        TableColumn("Service", _label(LABEL_SERVICE), "The Service this endpoint serves"),
        TableColumn("Address", ".spec.address", "Address of the replica"),
        TableColumn("Port", ".spec.port", "Port the replica listens on", type="integer"),
        TableColumn("Owner", _label(LABEL_OWNER), "The Executable or Container serving it"),
        AGE_COLUMN,
    ),
)

CONTAINER_NETWORK_KIND = KindSpec(
    kind=CONTAINER_NETWORK,
    plural="containernetworks",
    short_names=("ctrnet",),
    description="The container network the app host's containers share.",
    columns=(
        NAME_COLUMN,
        TableColumn("Network Name", ".spec.networkName", "Name in the container engine"),
        TableColumn("State", _state, "Ready or Failed"),
        AGE_COLUMN,
        TableColumn("Gateways", _gateways, "Host addresses on the network", priority=1),
        _ENGINE,
        _MESSAGE,
    ),
    controller=lambda ctx: ContainerNetworkController(ctx.store, ctx.engines),
    teardown=TeardownPhase.INFRASTRUCTURE,
)

CONTAINER_VOLUME_KIND = KindSpec(
    kind=CONTAINER_VOLUME,
    plural="containervolumes",
    short_names=("ctrvol",),
    description="A named container volume.",
    columns=(
        NAME_COLUMN,
        TableColumn("Volume Name", ".spec.volumeName", "Name in the container engine"),
        TableColumn("State", _state, "Ready or Failed"),
        AGE_COLUMN,
        _MESSAGE,
    ),
    controller=lambda ctx: ContainerVolumeController(ctx.store, ctx.engines),
    teardown=TeardownPhase.INFRASTRUCTURE,
)

BUILTIN_KINDS = (
    EXECUTABLE_KIND,
    SERVICE_KIND,
    ENDPOINT_KIND,
    CONTAINER_KIND,
    CONTAINER_NETWORK_KIND,
    CONTAINER_VOLUME_KIND,
)

#: The process-wide registry: what an Orchestrator serves unless given another one.
KINDS = KindRegistry()
for _spec in BUILTIN_KINDS:
    KINDS.register(_spec)
