"""The Kubernetes objects of one service: its workload, Service, ConfigMap and Secret.

- the workload is a Deployment; a StatefulSet when the service has a named volume of its own (a
  ``with_data_volume()``), each replica getting its claim from ``volumeClaimTemplates``; a Job
  when another resource waits for it to complete (a migration), named by the release revision so
  an upgrade runs it again instead of patching an immutable Job;
- a Service (ClusterIP) named after the resource with one named port per endpoint, so the
  in-network address of the model (``http://api:8080``) is the in-cluster one;
- plain env in a ConfigMap ``<name>-config``, env with a secret in a Secret ``<name>-secret``,
  both read with ``envFrom``; the pod template carries their checksums, so a changed value rolls
  the pods;
- a wait for a service with a port becomes an init container polling that Service's port
  (``nc -z``, the image ``waitImage`` of ``values.yaml``): the Service accepts connections once a
  pod of it is ready, the nearest thing to run mode's "healthy".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pyspire.model.annotations import StopGracePeriodAnnotation
from pyspire.model.errors import ModelProblem
from pyspire.model.lifecycle import RestartPolicyAnnotation, WaitAnnotation
from pyspire.model.names import stable_volume_prefix
from pyspire.model.resources import ContainerResource, RunnableResource
from pyspire.publish.helm_probes import port_name, probes
from pyspire.publish.helm_values import RenderedText, input_expression, template_value
from pyspire.publish.helm_yaml import Block, Expr, go_string
from pyspire.publish.plan import PublishedResource, PublishPlan
from pyspire.publish.postgres_init import InitFile

WorkloadKind = Literal["Deployment", "StatefulSet", "Job"]
_DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")


def dns_label(text: str) -> str:
    """``text`` as a DNS-1123 label (volume and claim names)."""
    label = re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", text.lower())).strip("-")[:63].strip("-")
    return label or "volume"


def is_dns_label(name: str) -> bool:
    return bool(_DNS_LABEL.match(name))


@dataclass
class ChartContext:
    """What the objects of one chart share: its name (helper prefix), the named volumes and which
    resources use them, the problems met."""

    chart: str
    plan: PublishPlan
    volume_users: dict[str, list[str]] = field(default_factory=dict)
    #: Volumes mounted through a standalone PVC (shared, or mounted by a Deployment or Job).
    claims: dict[str, None] = field(default_factory=dict)
    problems: list[ModelProblem] = field(default_factory=list)

    def volume_name(self, source: str) -> str:
        return dns_label(source.removeprefix(stable_volume_prefix(self.plan.app_dir)))

    def shared(self, volume: str) -> bool:
        return len(self.volume_users.get(volume, [])) > 1


def collect_volumes(ctx: ChartContext) -> None:
    """Which services mount each named volume (one user: a claim template; more: a PVC)."""
    for entry in ctx.plan.services:
        resource = entry.resource
        if not isinstance(resource, ContainerResource):
            continue
        for mount in resource.mounts:
            if mount.kind == "volume" and mount.source is not None:
                users = ctx.volume_users.setdefault(ctx.volume_name(mount.source), [])
                if resource.name not in users:
                    users.append(resource.name)


@dataclass(frozen=True)
class ServiceParts:
    """The rendered pieces of one service: env split in plain and secret, args."""

    env: Mapping[str, RenderedText]
    secret_env: frozenset[str]
    args: Sequence[RenderedText]


def workload_kind(entry: PublishedResource, ctx: ChartContext) -> WorkloadKind:
    resource = entry.resource
    for other in ctx.plan.services:
        for wait in other.resource.annotations_of(WaitAnnotation):
            if wait.kind == "completion" and wait.target is resource and other.resource is not resource:
                return "Job"
    if isinstance(resource, ContainerResource):
        for mount in resource.mounts:
            if mount.kind == "volume" and mount.source is not None and not ctx.shared(ctx.volume_name(mount.source)):
                return "StatefulSet"
    return "Deployment"


def _labels(ctx: ChartContext, name: str, component: str) -> Block:
    return Block(f'include "{ctx.chart}.labels" (dict "root" $ "name" {go_string(name)} "component" {go_string(component)})')


def _selector(ctx: ChartContext, name: str) -> Block:
    return Block(f'include "{ctx.chart}.selectorLabels" (dict "root" $ "name" {go_string(name)})')


def component(entry: PublishedResource) -> str:
    return dns_label(re.sub(r"(?<!^)(?=[A-Z])", "-", entry.resource.resource_type))


def _metadata(ctx: ChartContext, entry: PublishedResource, name: str | Expr) -> dict[str, Any]:
    return {"name": name, "labels": _labels(ctx, entry.resource.name, component(entry))}


def config_map(ctx: ChartContext, entry: PublishedResource, parts: ServiceParts) -> dict[str, Any] | None:
    data = {k: template_value(v) for k, v in parts.env.items() if k not in parts.secret_env}
    if not data:
        return None
    name = entry.resource.name
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _metadata(ctx, entry, f"{name}-config"), "data": data}


def secret(ctx: ChartContext, entry: PublishedResource, parts: ServiceParts) -> dict[str, Any] | None:
    data: dict[str, Any] = {k: template_value(v) for k, v in parts.env.items() if k in parts.secret_env}
    for argument in parts.args:
        for item in argument.secrets:  # read by the args as $(VAR)
            data.setdefault(item.variable, Expr(f"{{{{ {input_expression(item)[1:-1]} | quote }}}}"))
    if not data:
        return None
    name = entry.resource.name
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": _metadata(ctx, entry, f"{name}-secret"),
        "type": "Opaque",
        "stringData": data,
    }


def service(ctx: ChartContext, entry: PublishedResource) -> dict[str, Any] | None:
    resource = entry.resource
    if not resource.endpoints:
        return None
    ports = [
        {
            "name": port_name(endpoint.name),
            "port": entry.ports[endpoint.name],
            "targetPort": port_name(endpoint.name),
            "protocol": "UDP" if endpoint.protocol == "udp" else "TCP",
        }
        for endpoint in resource.endpoints
    ]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(ctx, entry, resource.name),
        "spec": {"type": "ClusterIP", "selector": _selector(ctx, resource.name), "ports": ports},
    }


def shared_claim(ctx: ChartContext, volume: str) -> dict[str, Any]:
    """A PVC for a volume several services mount (each pod mounts the same claim)."""
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": volume, "labels": Block(f'include "{ctx.chart}.labels" (dict "root" $ "name" {go_string(volume)} "component" "volume")')},
        "spec": _claim_spec(volume),
    }


def _claim_spec(volume: str) -> dict[str, Any]:
    size = f"(index .Values.volumes {go_string(volume)}).size"
    return {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": Expr(f"{{{{ {size} | quote }}}}")}}}


def workload(
    ctx: ChartContext,
    entry: PublishedResource,
    kind: WorkloadKind,
    parts: ServiceParts,
    config_files: Sequence[str],
    init: InitFile | None,
) -> dict[str, Any]:
    """The Deployment, StatefulSet or Job; ``config_files``: the templates (paths under
    ``templates/``) of its ConfigMap and Secret, checksummed into the pod template."""
    resource = entry.resource
    assert isinstance(resource, RunnableResource)  # only runnable resources are services
    name = resource.name
    values = f"(index .Values.services {go_string(name)})"
    pod, claims = _pod(ctx, entry, kind, parts, values, init)
    annotations = {
        f"checksum/{path.rsplit('/', 1)[-1].removesuffix('.yaml')}": Expr(
            f'{{{{ include (print $.Template.BasePath "/{path}") $ | sha256sum }}}}'
        )
        for path in config_files
    }
    template: dict[str, Any] = {"metadata": {"labels": _labels(ctx, name, component(entry))}, "spec": pod}
    if annotations:
        template["metadata"]["annotations"] = annotations
    if kind == "Job":
        return {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": _metadata(ctx, entry, Expr(f"{name}-{{{{ .Release.Revision }}}}")),
            "spec": {"backoffLimit": 6, "template": template},
        }
    spec: dict[str, Any] = {"replicas": Expr(f"{{{{ {values}.replicas }}}}")}
    if kind == "StatefulSet":
        spec["serviceName"] = name
    spec["selector"] = {"matchLabels": _selector(ctx, name)}
    spec["template"] = template
    if claims:
        spec["volumeClaimTemplates"] = [{"metadata": {"name": claim}, "spec": _claim_spec(claim)} for claim in claims]
    api = "apps/v1"
    return {"apiVersion": api, "kind": kind, "metadata": _metadata(ctx, entry, name), "spec": spec}


def _pod(
    ctx: ChartContext,
    entry: PublishedResource,
    kind: WorkloadKind,
    parts: ServiceParts,
    values: str,
    init: InitFile | None,
) -> tuple[dict[str, Any], list[str]]:
    resource = entry.resource
    assert isinstance(resource, RunnableResource)
    container: dict[str, Any] = {
        "name": resource.name,
        "image": Expr(f'{{{{ include "{ctx.chart}.image" {values}.image | quote }}}}'),
        "imagePullPolicy": Expr(f"{{{{ {values}.image.pullPolicy }}}}"),
    }
    if isinstance(resource, ContainerResource) and resource.entrypoint is not None:
        container["command"] = [template_value(RenderedText((resource.entrypoint,)), argument=True)]
    if parts.args:
        container["args"] = [template_value(argument, argument=True) for argument in parts.args]
    if resource.endpoints:
        container["ports"] = [
            {
                "name": port_name(endpoint.name),
                "containerPort": entry.ports[endpoint.name],
                "protocol": "UDP" if endpoint.protocol == "udp" else "TCP",
            }
            for endpoint in resource.endpoints
        ]
    env_from: list[dict[str, Any]] = []
    if any(k not in parts.secret_env for k in parts.env):
        env_from.append({"configMapRef": {"name": f"{resource.name}-config"}})
    if parts.secret_env or any(argument.secrets for argument in parts.args):
        env_from.append({"secretRef": {"name": f"{resource.name}-secret"}})
    if env_from:
        container["envFrom"] = env_from
    container.update(probes(entry))
    container["resources"] = Block(f"toYaml {values}.resources")
    mounts, volumes, claims = _volumes(ctx, entry, kind, init)
    if mounts:
        container["volumeMounts"] = mounts
    pod: dict[str, Any] = {}
    waits = _init_containers(ctx, entry)
    if waits:
        pod["initContainers"] = waits
    pod["containers"] = [container]
    if entry.generator == "node":
        # Node as PID 1 ignores SIGTERM (no handler, and the kernel drops it): with the pod's
        # process namespace shared, the pause container is PID 1 and SIGTERM stops Node at once.
        pod["shareProcessNamespace"] = True
    if volumes:
        pod["volumes"] = volumes
    grace = resource.last_annotation(StopGracePeriodAnnotation)
    if grace is not None:
        pod["terminationGracePeriodSeconds"] = max(0, round(grace.seconds))
    if kind == "Job":
        restart = resource.last_annotation(RestartPolicyAnnotation)
        pod["restartPolicy"] = "Never" if restart is not None and restart.policy == "never" else "OnFailure"
    return pod, claims


def _volumes(
    ctx: ChartContext, entry: PublishedResource, kind: WorkloadKind, init: InitFile | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """Mounts of the container, volumes of the pod, claim templates of a StatefulSet."""
    resource = entry.resource
    mounts: list[dict[str, Any]] = []
    volumes: list[dict[str, Any]] = []
    claims: list[str] = []
    if isinstance(resource, ContainerResource):
        for index, mount in enumerate(resource.mounts):
            if mount.kind == "bind":
                ctx.problems.append(
                    ModelProblem(
                        resource.name,
                        f"bind mount {mount.target}",
                        f"a cluster has no folder of this machine to mount at {mount.target}; mount a "
                        f"volume instead (with_volume('{resource.name}-files', '{mount.target}')) or "
                        "copy the files into the image",
                        resource.origin_of(),
                    )
                )
                continue
            if mount.source is None:
                volume = f"scratch-{index}"
                volumes.append({"name": volume, "emptyDir": {}})
            else:
                volume = ctx.volume_name(mount.source)
                if ctx.shared(volume) or kind != "StatefulSet":
                    volumes.append({"name": volume, "persistentVolumeClaim": {"claimName": volume}})
                    ctx.claims.setdefault(volume)
                elif volume not in claims:
                    claims.append(volume)
            item: dict[str, Any] = {"name": volume, "mountPath": mount.target}
            if mount.read_only:
                item["readOnly"] = True
            mounts.append(item)
    if init is not None:
        volumes.append({"name": "initdb", "configMap": {"name": f"{resource.name}-initdb"}})
        file_name = init.target.rsplit("/", 1)[-1]
        mounts.append({"name": "initdb", "mountPath": init.target, "subPath": file_name, "readOnly": True})
    return mounts, volumes, claims


def _init_containers(ctx: ChartContext, entry: PublishedResource) -> list[dict[str, Any]]:
    """One init container per service waited for (healthy or started) that has a port."""
    containers: list[dict[str, Any]] = []
    seen: set[str] = set()
    for wait in entry.resource.annotations_of(WaitAnnotation):
        target = ctx.plan.service_for(wait.target)
        if target is None or target.resource is entry.resource or wait.kind == "completion":
            continue
        name = target.resource.name
        if name in seen or not target.ports:
            continue
        seen.add(name)
        port = next(iter(target.ports.values()))
        containers.append(
            {
                "name": dns_label(f"wait-for-{name}"),
                "image": Expr(f'{{{{ include "{ctx.chart}.image" .Values.waitImage | quote }}}}'),
                "imagePullPolicy": Expr("{{ .Values.waitImage.pullPolicy }}"),
                "command": [
                    "sh",
                    "-c",
                    f"until nc -z -w 2 {name} {port}; do echo waiting for {name}:{port}; sleep 2; done",
                ],
            }
        )
    return containers


def initdb_config_map(ctx: ChartContext, entry: PublishedResource, init: InitFile) -> dict[str, Any]:
    """The SQL creating a PostgreSQL server's databases, mounted into its init folder."""
    file_name = init.target.rsplit("/", 1)[-1]
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _metadata(ctx, entry, f"{entry.resource.name}-initdb"),
        "data": {file_name: init.text},
    }
