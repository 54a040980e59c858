"""Constructors for the orchestrator's kinds, so every producer writes the same shape.

Kinds now: Executable (one per replica), Service (one per endpoint), Endpoint (one per replica
serving a Service, created by the Executable controller while the replica runs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypedDict

from pyspire.orchestrator.store import API_VERSION, Obj

EXECUTABLE = "Executable"
SERVICE = "Service"
ENDPOINT = "Endpoint"

#: kind → plural, as the HTTP API names collections.
KINDS: dict[str, str] = {EXECUTABLE: "executables", SERVICE: "services", ENDPOINT: "endpoints"}

LABEL_RESOURCE = "pyspire.dev/resource"
LABEL_SERVICE = "pyspire.dev/service"
LABEL_OWNER = "pyspire.dev/owner"
LABEL_REPLICA_INDEX = "pyspire.dev/replica-index"
FINALIZER = "pyspire.dev/cleanup"

ExecutableState = Literal["Starting", "Running", "Finished", "Terminated", "FailedToStart"]
ServiceState = Literal["NotReady", "Ready", "Failed"]


class ServedPort(TypedDict):
    """A port a replica listens on for a Service. ``mustBeFree``: a fixed proxyless port that is
    checked before spawning so a clash fails only this resource, with the holder named."""

    service: str
    address: str
    port: int
    protocol: str
    mustBeFree: bool


def _meta(name: str, labels: Mapping[str, str], finalizer: bool) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": dict(labels), "annotations": {}}
    if finalizer:
        meta["finalizers"] = [FINALIZER]
    return meta


def new_executable(
    name: str,
    *,
    resource: str,
    command: str,
    args: Sequence[str],
    env: Mapping[str, str],
    working_directory: str,
    grace_period_seconds: float,
    ports: Sequence[ServedPort] = (),
) -> Obj:
    return {
        "apiVersion": API_VERSION,
        "kind": EXECUTABLE,
        "metadata": _meta(name, {LABEL_RESOURCE: resource}, finalizer=True),
        "spec": {
            "executablePath": command,
            "args": list(args),
            "env": [{"name": k, "value": v} for k, v in env.items()],
            "workingDirectory": working_directory,
            "gracePeriodSeconds": grace_period_seconds,
            "stop": False,
            "ports": [dict(p) for p in ports],
        },
        "status": {},
    }


def new_service(
    name: str, *, resource: str, endpoint: str, protocol: str, address: str, port: int, proxied: bool
) -> Obj:
    return {
        "apiVersion": API_VERSION,
        "kind": SERVICE,
        "metadata": _meta(name, {LABEL_RESOURCE: resource, "pyspire.dev/endpoint": endpoint}, finalizer=True),
        "spec": {
            "protocol": protocol.upper(),
            "address": address,
            "port": port,
            "addressAllocationMode": "Proxy" if proxied else "Proxyless",
        },
        "status": {"state": "NotReady"},
    }


def new_endpoint(name: str, *, service: str, owner: str, address: str, port: int) -> Obj:
    return {
        "apiVersion": API_VERSION,
        "kind": ENDPOINT,
        "metadata": _meta(name, {LABEL_SERVICE: service, LABEL_OWNER: owner}, finalizer=False),
        "spec": {"serviceName": service, "address": address, "port": port},
        "status": {},
    }


def env_of(executable: Obj) -> dict[str, str]:
    return {item["name"]: item["value"] for item in executable["spec"].get("env", [])}
