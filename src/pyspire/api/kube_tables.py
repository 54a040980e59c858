"""Server-side printing: the ``Table`` kubectl asks for (``Accept: ...;as=Table;g=meta.k8s.io;v=v1``).

kubectl prints whatever columns the server sends, so each kind gets the columns a user of that
kind wants to see (an Executable's state, pid and exit code; a Service's address and port), read
from the status its controller writes. Columns with ``priority`` above 0 show only with
``-o wide``. Cells that have no value are ``None``, which kubectl prints as ``<none>``. Ages are
computed here, as the API server does for custom resources, in kubectl's own format.

In a watch, only the first Table carries the column definitions: kubectl reuses the last ones it
saw for a Table without them (the API server does the same, to save bandwidth).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pyspire.durations import age
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
from pyspire.orchestrator.store import Obj


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # string | integer | date, as in Kubernetes column definitions
    cell: Callable[[Obj], Any]
    description: str
    priority: int = 0
    format: str = ""

    def definition(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


def _status(field: str) -> Callable[[Obj], Any]:
    return lambda obj: (obj.get("status") or {}).get(field)


def _spec(field: str) -> Callable[[Obj], Any]:
    return lambda obj: (obj.get("spec") or {}).get(field)


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


_NAME = Column("Name", "string", lambda obj: obj["metadata"]["name"], "Name of the object", format="name")
_AGE = Column(
    "Age",
    "date",
    lambda obj: age(obj["metadata"].get("creationTimestamp")),
    "Time since the object was created",
)
_MESSAGE = Column("Message", "string", _status("message"), "Why the object is in its state", priority=1)

COLUMNS: dict[str, tuple[Column, ...]] = {
    EXECUTABLE: (
        _NAME,
        Column(
            "State",
            "string",
            _replica_state,
            "Starting, Running, Stopping, Finished, Terminated or FailedToStart",
        ),
        Column("PID", "integer", _status("pid"), "Process id of the replica"),
        Column("Exit Code", "integer", _status("exitCode"), "Exit code once the process has ended"),
        Column(
            "Resource", "string", _label(LABEL_RESOURCE), "The app model resource this replica belongs to"
        ),
        _AGE,
        Column(
            "Replica", "string", _label(LABEL_REPLICA_INDEX), "Replica index within the resource", priority=1
        ),
        Column("Command", "string", _command, "The program and its arguments", priority=1),
        _MESSAGE,
    ),
    CONTAINER: (
        _NAME,
        Column(
            "State",
            "string",
            _replica_state,
            "Building, Starting, Running, Stopping, Finished, Terminated, FailedToStart",
        ),
        Column("Container ID", "string", _short_id, "Engine container id (short)"),
        Column("Image", "string", _spec("image"), "Container image"),
        Column("Ports", "string", _container_ports, "Published ports: host->container/protocol"),
        _AGE,
        Column("Resource", "string", _label(LABEL_RESOURCE), "The app model resource", priority=1),
        Column(
            "Container Name", "string", _spec("containerName"), "Name in the container engine", priority=1
        ),
        Column("Engine", "string", _status("engine"), "podman or docker", priority=1),
        _MESSAGE,
    ),
    SERVICE: (
        _NAME,
        Column("State", "string", _state, "NotReady, Ready or Failed"),
        Column("Address", "string", _service_address, "Address clients connect to"),
        Column("Port", "integer", _service_port, "Port clients connect to"),
        Column("Protocol", "string", _spec("protocol"), "TCP or UDP"),
        Column("Mode", "string", _spec("addressAllocationMode"), "Proxy (pyspire listens) or Proxyless"),
        _AGE,
        Column("Resource", "string", _label(LABEL_RESOURCE), "The app model resource", priority=1),
        _MESSAGE,
    ),
    ENDPOINT: (
        _NAME,
        Column("Service", "string", _label(LABEL_SERVICE), "The Service this endpoint serves"),
        Column("Address", "string", _spec("address"), "Address of the replica"),
        Column("Port", "integer", _spec("port"), "Port the replica listens on"),
        Column("Owner", "string", _label(LABEL_OWNER), "The Executable or Container serving it"),
        _AGE,
    ),
    CONTAINER_NETWORK: (
        _NAME,
        Column("Network Name", "string", _spec("networkName"), "Name in the container engine"),
        Column("State", "string", _state, "Ready or Failed"),
        _AGE,
        Column("Gateways", "string", _gateways, "Host addresses on the network", priority=1),
        Column("Engine", "string", _status("engine"), "podman or docker", priority=1),
        _MESSAGE,
    ),
    CONTAINER_VOLUME: (
        _NAME,
        Column("Volume Name", "string", _spec("volumeName"), "Name in the container engine"),
        Column("State", "string", _state, "Ready or Failed"),
        _AGE,
        _MESSAGE,
    ),
}

_DEFAULT_COLUMNS = (_NAME, _AGE)


def partial_metadata(obj: Obj, api_version: str) -> dict[str, Any]:
    return {"kind": "PartialObjectMetadata", "apiVersion": api_version, "metadata": obj["metadata"]}


def table(
    kind: str,
    objects: Iterable[Obj],
    resource_version: str,
    api_version: str = "meta.k8s.io/v1",
    include_object: str = "Metadata",
    with_columns: bool = True,
) -> dict[str, Any]:
    """A ``Table`` of ``objects``. ``include_object`` (the request's ``includeObject``) says
    what each row carries: ``None``, ``Metadata`` (PartialObjectMetadata) or the whole ``Object``."""
    columns = COLUMNS.get(kind, _DEFAULT_COLUMNS)
    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": [column.cell(obj) for column in columns]}
        if include_object == "Object":
            row["object"] = obj
        elif include_object != "None":
            row["object"] = partial_metadata(obj, api_version)
        rows.append(row)
    result: dict[str, Any] = {
        "kind": "Table",
        "apiVersion": api_version,
        "metadata": {"resourceVersion": resource_version},
        "rows": rows,
    }
    if with_columns:
        result["columnDefinitions"] = [column.definition() for column in columns]
    return result
