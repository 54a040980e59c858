"""Which pod a connection goes to, and which of its ports: the pure part of the forwarder.

Port-forward reaches a pod, not a Service, so the forwarder does what kube-proxy would: take a
ready pod of the Service and translate the Service port into the pod's targetPort, which may be
a number or the name of a container port.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pyspire.errors import PermanentError


class ServicePortError(PermanentError, ValueError):
    """The Service has no such port, or the pod has no container port of that name."""


def pod_is_ready(pod: Mapping[str, Any]) -> bool:
    """Running, not being deleted, and every container ready (what a Service's endpoints require)."""
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        return False
    status = pod.get("status") or {}
    if status.get("phase") != "Running":
        return False
    containers = status.get("containerStatuses") or []
    return bool(containers) and all(c.get("ready") is True for c in containers)


def choose_ready_pod(pods: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The first ready pod by name (stable, so one client keeps hitting the same pod), or None."""
    ready = [p for p in pods if pod_is_ready(p)]
    ready.sort(key=lambda p: str((p.get("metadata") or {}).get("name", "")))
    return ready[0] if ready else None


def service_port_spec(service: Mapping[str, Any], port: int) -> Mapping[str, Any]:
    """The Service's port entry for `port`; an unknown port names the ports the Service has."""
    ports = (service.get("spec") or {}).get("ports") or []
    for entry in ports:
        if entry.get("port") == port:
            return entry  # type: ignore[no-any-return]
    name = (service.get("metadata") or {}).get("name", "?")
    have = ", ".join(str(p.get("port")) for p in ports) or "none"
    raise ServicePortError(
        f"Service {name} has no port {port} (its ports: {have}); "
        "pass one of its ports to add_service_endpoint."
    )


def target_port(port_spec: Mapping[str, Any], pod: Mapping[str, Any]) -> int:
    """The pod port a Service port maps to: numeric targetPort, named one, or the port itself."""
    target = port_spec.get("targetPort", port_spec.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    for container in (pod.get("spec") or {}).get("containers") or []:
        for cport in container.get("ports") or []:
            if cport.get("name") == target:
                return int(cport["containerPort"])
    pod_name = (pod.get("metadata") or {}).get("name", "?")
    raise ServicePortError(
        f"pod {pod_name} has no container port named {target!r} (the Service's targetPort); "
        "name the container port in the pod template or use a numeric targetPort."
    )
