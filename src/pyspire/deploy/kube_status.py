"""The workloads of a Helm release, as the API server reports them, and why a pod is not up.

While ``helm upgrade --install --wait`` waits, the release's Deployments, StatefulSets and Jobs
(label ``app.kubernetes.io/instance=<release>``, which every object of a pyspire chart carries)
are read with ``kubectl get -o json`` and each change is reported by the resource's name (the
``app.kubernetes.io/name`` label: a Job ``migrate-3`` is the resource ``migrate``): ``api: 1/2
ready``, ``api: available``, ``pg: ready``, ``migrate: complete``. When helm fails, the pods that
are not ready say why (a waiting container's reason, a container that exited, a pod that cannot
be scheduled).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pyspire.deploy.kube_tools import KubeTarget

INSTANCE_LABEL = "app.kubernetes.io/instance"
NAME_LABEL = "app.kubernetes.io/name"
WORKLOAD_KINDS = "deployments,statefulsets,jobs"


@dataclass(frozen=True)
class Workload:
    """One workload: its resource's name, kind, what it is doing and whether that is its goal."""

    name: str
    kind: str
    state: str
    done: bool
    failed: bool = False


def selector(release: str) -> str:
    return f"{INSTANCE_LABEL}={release}"


def _conditions(item: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(c.get("type")): c for c in (item.get("status") or {}).get("conditions") or []}


def describe(item: Mapping[str, Any]) -> Workload:
    """What one Deployment, StatefulSet or Job of ``kubectl get -o json`` is doing."""
    kind = str(item.get("kind"))
    metadata = item.get("metadata") or {}
    name = str((metadata.get("labels") or {}).get(NAME_LABEL) or metadata.get("name"))
    status = item.get("status") or {}
    conditions = _conditions(item)
    if kind == "Job":
        if (conditions.get("Complete") or {}).get("status") == "True":
            return Workload(name, kind, "complete", True)
        failed = conditions.get("Failed") or {}
        if failed.get("status") == "True":
            return Workload(name, kind, f"failed: {failed.get('message') or failed.get('reason')}", True, True)
        return Workload(name, kind, "running" if status.get("active") else "starting", False)
    wanted = int((item.get("spec") or {}).get("replicas", 1))
    ready = int(status.get("readyReplicas") or 0)
    current = int(status.get("observedGeneration") or 0) >= int(metadata.get("generation") or 0)
    if kind == "Deployment":
        updated = int(status.get("updatedReplicas") or 0) >= wanted
        available = (conditions.get("Available") or {}).get("status") == "True"
        if current and updated and available and int(status.get("availableReplicas") or 0) >= wanted:
            return Workload(name, kind, "available" + (f" ({wanted} replicas)" if wanted > 1 else ""), True)
        progressing = conditions.get("Progressing") or {}
        if progressing.get("reason") == "ProgressDeadlineExceeded":
            return Workload(name, kind, f"failed: {progressing.get('message')}", True, True)
    else:
        revision_done = not status.get("updateRevision") or status.get("currentRevision") == status.get("updateRevision")
        if current and ready >= wanted and revision_done:
            return Workload(name, kind, "ready" + (f" ({wanted} replicas)" if wanted > 1 else ""), True)
    return Workload(name, kind, f"{ready}/{wanted} ready", False)


def workloads(target: KubeTarget, release: str) -> list[Workload] | None:
    """The release's workloads, newest Job of each resource only; ``None`` when kubectl failed."""
    found = target.get_json(WORKLOAD_KINDS, "-l", selector(release))
    if found is None:
        return None
    items = sorted(found.get("items") or [], key=lambda i: str((i.get("metadata") or {}).get("creationTimestamp")))
    by_name: dict[str, Workload] = {}
    for item in items:  # a later Job (the next revision's) replaces the earlier one
        workload = describe(item)
        by_name[workload.name] = workload
    return list(by_name.values())


def pod_problems(target: KubeTarget, release: str) -> list[str]:
    """``pod NAME: why`` for each pod of the release that is not ready and not finished."""
    found = target.get_json("pods", "-l", selector(release)) or {}
    return [problem for pod in found.get("items") or [] if (problem := pod_problem(pod)) is not None]


def pod_problem(pod: Mapping[str, Any]) -> str | None:
    """``pod NAME: why`` for a pod of ``kubectl get -o json`` that is neither ready nor finished."""
    name = (pod.get("metadata") or {}).get("name")
    status = pod.get("status") or {}
    conditions = _conditions(pod)
    if status.get("phase") == "Succeeded" or (conditions.get("Ready") or {}).get("status") == "True":
        return None
    why = _container_reason(status)
    scheduled = conditions.get("PodScheduled") or {}
    if why is None and scheduled.get("status") == "False":
        why = f"{scheduled.get('reason')}: {scheduled.get('message')}"
    return f"pod {name}: {why or status.get('phase') or 'not ready'}"


def _container_reason(status: Mapping[str, Any]) -> str | None:
    for container in [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]:
        state = container.get("state") or {}
        waiting = state.get("waiting")
        if waiting and waiting.get("reason") not in (None, "PodInitializing", "ContainerCreating"):
            return f"container {container.get('name')} {waiting.get('reason')}: {waiting.get('message') or ''}".rstrip(": ")
        terminated = state.get("terminated") or (container.get("lastState") or {}).get("terminated")
        if terminated and terminated.get("exitCode"):
            return f"container {container.get('name')} exited with code {terminated.get('exitCode')} ({terminated.get('reason')})"
    return None
