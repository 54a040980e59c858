"""Constructors for the orchestrator's kinds, so every producer writes the same shape.

Kinds: Executable (one per process replica), Container (one per container resource), Service (one
per endpoint), Endpoint (one per replica serving a Service, created by the Executable or Container
controller while the replica runs), ContainerNetwork (one per app-host run, or one persistent one)
and ContainerVolume (one per named volume). What each kind is (its plural, columns, controller,
teardown phase) is declared in :mod:`pyspire.orchestrator.builtin_kinds`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypedDict

# The label names live in pyspire.labels; re-exported here, where the controllers import them.
from pyspire.labels import FINALIZER as FINALIZER
from pyspire.labels import LABEL_ENDPOINT
from pyspire.labels import LABEL_OWNER as LABEL_OWNER
from pyspire.labels import LABEL_REPLICA_INDEX as LABEL_REPLICA_INDEX
from pyspire.labels import LABEL_RESOURCE as LABEL_RESOURCE
from pyspire.labels import LABEL_SERVICE as LABEL_SERVICE
from pyspire.orchestrator.store import API_VERSION, Obj

EXECUTABLE = "Executable"
SERVICE = "Service"
ENDPOINT = "Endpoint"
CONTAINER = "Container"
CONTAINER_NETWORK = "ContainerNetwork"
CONTAINER_VOLUME = "ContainerVolume"


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
    inherit_environment: bool = True,
    stop_signal: str | None = None,
) -> Obj:
    """``env`` is what pyspire sets; with ``inherit_environment`` the process also gets the app
    host's own environment (added at spawn, as DCP's ``ambientEnvironment``; never stored here).
    ``stop_signal``: what asks the process group to stop (a ``signal.Signals`` name; SIGTERM)."""
    return {
        "apiVersion": API_VERSION,
        "kind": EXECUTABLE,
        "metadata": _meta(name, {LABEL_RESOURCE: resource}, finalizer=True),
        "spec": {
            "executablePath": command,
            "args": list(args),
            "env": [{"name": k, "value": v} for k, v in env.items()],
            "ambientEnvironment": {"behavior": "Inherit" if inherit_environment else "DoNotInherit"},
            "workingDirectory": working_directory,
            "gracePeriodSeconds": grace_period_seconds,
            "stopSignal": stop_signal or "SIGTERM",
            "stop": False,
            "ports": [dict(p) for p in ports],
        },
        "status": {},
    }


class PublishedPort(TypedDict):
    """A container port published on the host (``hostPort``), serving a Service."""

    service: str
    hostIP: str
    hostPort: int
    containerPort: int
    protocol: str


class ContainerMount(TypedDict):
    kind: str  # "bind" | "volume"
    source: str | None
    target: str
    readOnly: bool


class ContainerBuild(TypedDict):
    context: str
    dockerfile: str | None
    stage: str | None
    args: dict[str, str]
    #: secret id → path of a file holding it (written 0600 by the executor)
    secrets: dict[str, str]


def new_container(
    name: str,
    *,
    resource: str,
    container_name: str,
    image: str,
    pull_policy: str,
    build: ContainerBuild | None,
    entrypoint: str | None,
    args: Sequence[str],
    env: Mapping[str, str],
    ports: Sequence[PublishedPort],
    mounts: Sequence[ContainerMount],
    network: str | None,
    aliases: Sequence[str],
    extra_hosts: Mapping[str, str],
    runtime_args: Sequence[str],
    persistent: bool,
    labels: Mapping[str, str],
    grace_period_seconds: float,
    stop_signal: str | None = None,
) -> Obj:
    """``stop_signal``: the engine's ``--stop-signal`` (``None``: the image's, SIGTERM by default)."""
    return {
        "apiVersion": API_VERSION,
        "kind": CONTAINER,
        "metadata": _meta(name, {LABEL_RESOURCE: resource}, finalizer=True),
        "spec": {
            "containerName": container_name,
            "image": image,
            "imagePullPolicy": pull_policy,
            "build": dict(build) if build else None,
            "entrypoint": entrypoint,
            "args": list(args),
            "env": [{"name": k, "value": v} for k, v in env.items()],
            "ports": [dict(p) for p in ports],
            "mounts": [dict(m) for m in mounts],
            "network": network,
            "aliases": list(aliases),
            "extraHosts": dict(extra_hosts),
            "runtimeArgs": list(runtime_args),
            "persistent": persistent,
            "labels": dict(labels),
            "gracePeriodSeconds": grace_period_seconds,
            "stopSignal": stop_signal,
            "stop": False,
        },
        "status": {},
    }


def new_network(name: str, *, network_name: str, persistent: bool, labels: Mapping[str, str]) -> Obj:
    return {
        "apiVersion": API_VERSION,
        "kind": CONTAINER_NETWORK,
        "metadata": _meta(name, {}, finalizer=True),
        "spec": {"networkName": network_name, "persistent": persistent, "labels": dict(labels)},
        "status": {},
    }


def new_volume(name: str, *, volume_name: str, labels: Mapping[str, str]) -> Obj:
    return {
        "apiVersion": API_VERSION,
        "kind": CONTAINER_VOLUME,
        "metadata": _meta(name, {}, finalizer=False),
        "spec": {"volumeName": volume_name, "labels": dict(labels)},
        "status": {},
    }


def new_service(
    name: str,
    *,
    resource: str,
    endpoint: str,
    protocol: str,
    address: str,
    port: int,
    proxied: bool,
    container_network: str | None = None,
) -> Obj:
    """``container_network``: the ContainerNetwork whose containers must reach this host service;
    its proxy then also listens on that network's gateway address."""
    return {
        "apiVersion": API_VERSION,
        "kind": SERVICE,
        "metadata": _meta(name, {LABEL_RESOURCE: resource, LABEL_ENDPOINT: endpoint}, finalizer=True),
        "spec": {
            "protocol": protocol.upper(),
            "address": address,
            "port": port,
            "addressAllocationMode": "Proxy" if proxied else "Proxyless",
            "containerNetwork": container_network,
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


def env_of(obj: Obj) -> dict[str, str]:
    """The environment of an Executable or Container spec, as a dict."""
    return {item["name"]: item["value"] for item in obj["spec"].get("env", [])}
