"""``add_k3s_cluster`` and the builder it returns.

Everything is checked when the model is built, before anything starts: a subnet that is not a
CIDR, agents out of range, a component k3s cannot disable are reported by ``build()`` naming the
cluster, the setting and the fix, like every other mistake of the model.
"""

from __future__ import annotations

import ipaddress
from typing import Self

from pyspire.integrations.k3s import health
from pyspire.integrations.k3s.client import cluster_client
from pyspire.integrations.k3s.helm import HelmReleaseMethods
from pyspire.integrations.k3s.kubeconfig import API_PORT
from pyspire.integrations.k3s.lifecycle import cluster_stopped
from pyspire.integrations.k3s.manifests import ManifestMethods
from pyspire.integrations.k3s.paths import RAW_FILE, RAW_MOUNT, ClusterPaths, cluster_paths
from pyspire.integrations.k3s.resources import (
    CGROUP_DIR,
    COMPONENTS,
    DATA_DIR,
    ENDPOINT,
    MAX_AGENTS,
    RUNTIME_ARGS,
    K3sAgentResource,
    K3sClusterResource,
    server_args,
)
from pyspire.integrations.k3s.service_endpoints import ClusterApiProvider, ServiceEndpointMethods
from pyspire.integrations.passwords import server_password
from pyspire.model.arguments import Arg, shown
from pyspire.model.builder import AppModelBuilder, ContainerBuilder, ParameterBuilder
from pyspire.model.outputs import OutputReference

#: Readable by the user who runs the app host whoever the engine writes it as (rootful docker
#: writes as root); the folder it is in is the user's alone (0700), so nobody else can read it.
KUBECONFIG_MODE = "644"
_EXAMPLE = "add_k3s_cluster('k8s', api_port=6443)"


class K3sClusterBuilder(HelmReleaseMethods, ManifestMethods, ServiceEndpointMethods, ContainerBuilder):
    """What ``add_k3s_cluster`` returns: a container builder (``with_image``, ``with_lifetime``,
    ``wait_for``…) plus the cluster's own settings. ``paths`` are its files on the host; ``app``
    the app builder, for integrations that add children (Helm releases, service endpoints)."""

    resource: K3sClusterResource

    @property
    def cluster(self) -> K3sClusterResource:
        return self.resource

    def _cluster_api_provider(self) -> ClusterApiProvider:
        """The service endpoints' way to this cluster's one client (asked again at each use)."""
        paths = self.paths
        return lambda: cluster_client(paths)

    @property
    def paths(self) -> ClusterPaths:
        return self.resource.paths

    @property
    def kubeconfig(self) -> OutputReference:
        """The host kubeconfig's path (``https://localhost:<port>``), once the cluster is ready."""
        return self.resource.kubeconfig

    @property
    def container_kubeconfig(self) -> OutputReference:
        """The container kubeconfig's path as a referencing container sees it, once ready."""
        return self.resource.container_kubeconfig

    def with_data_volume(self, name: str | None = None) -> Self:
        """Keep the cluster's state (its CA, its objects) in the named volume ``name`` at
        ``/var/lib/rancher/k3s`` (default: one named after the app's folder and the cluster, the
        same at every run), so a recreated container is the same cluster. Once is enough."""
        if self._rejects(
            "with_data_volume", Arg("name", name, "text", "with_data_volume('k8s-data')", optional=True)
        ):
            return self
        if any(m.target == DATA_DIR for m in self.resource.mounts):
            return self
        return self.with_volume(name or self.stable_volume_name("data"), DATA_DIR)

    def with_agents(self, count: int) -> Self:
        """Run ``count`` (0–16) agents beside the server: child containers ``<name>-agent-<i>``
        that join it. The cluster is healthy once the server and every agent are Ready nodes.
        Calling it again replaces the earlier agents."""
        if self._rejects("with_agents", Arg("", count, "whole number", "with_agents(2)")):
            return self
        if not 0 <= count <= MAX_AGENTS:
            return self._reject(
                "with_agents", f"{count} agents is out of range; give 0 to {MAX_AGENTS}, e.g. with_agents(2)"
            )
        for old in self.resource.agents:
            if old in self.app.resources:
                self.app.resources.remove(old)
        self.resource.agents = [self._add_agent(i) for i in range(count)]
        return self

    def _add_agent(self, index: int) -> K3sAgentResource:
        agent = K3sAgentResource(f"{self.resource.name}-agent-{index}", self.resource)
        builder = ContainerBuilder(self.app, agent)
        self.app.resources.append(agent)
        assert self.resource.token is not None  # set by add_k3s_cluster before any setting
        (
            builder.with_parent(self)
            .with_args("agent")
            .with_env("K3S_URL", f"https://{self.resource.name}:{API_PORT}")
            .with_env("K3S_TOKEN", self.resource.token)
            .with_env("K3S_NODE_NAME", agent.name)
            .with_container_runtime_args(*RUNTIME_ARGS)
            .with_bind_mount(CGROUP_DIR, CGROUP_DIR)
            # Started, not healthy: the server is healthy only once the agents are Ready nodes.
            .wait_for_start(self)
        )
        return agent

    def with_disabled_component(self, component: str) -> Self:
        """Do not deploy one of k3s' packaged components (``traefik``, ``servicelb``,
        ``metrics-server``, ``local-storage``, ``coredns``): ``--disable=<component>``."""
        if self._rejects(
            "with_disabled_component", Arg("", component, "text", "with_disabled_component('traefik')")
        ):
            return self
        if component not in COMPONENTS:
            return self._reject(
                "with_disabled_component",
                f"{component!r} is not a k3s component; give one of {', '.join(COMPONENTS)}, "
                "e.g. with_disabled_component('traefik')",
            )
        if component not in self.resource.disabled_components:
            self.resource.disabled_components.append(component)
        return self

    def with_pod_subnet(self, cidr: str) -> Self:
        """The pods' addresses (``--cluster-cidr``; k3s' default ``10.42.0.0/16``); a dual-stack
        pair is comma-separated."""
        return self._subnet("with_pod_subnet", "pod_subnet", cidr, "10.42.0.0/16")

    def with_service_subnet(self, cidr: str) -> Self:
        """The Services' cluster IPs (``--service-cidr``; k3s' default ``10.43.0.0/16``)."""
        return self._subnet("with_service_subnet", "service_subnet", cidr, "10.43.0.0/16")

    def _subnet(self, method: str, field: str, cidr: str, default: str) -> Self:
        problem = _cidr_problem(cidr, f"{method}('{default}')")
        if problem is not None:
            return self._reject(method, problem)
        setattr(self.resource, field, cidr)
        return self._check_overlap(method)

    def _check_overlap(self, method: str) -> Self:
        pods, services = self.resource.pod_subnet, self.resource.service_subnet
        if pods and services and _overlap(pods, services):
            return self._reject(
                method,
                f"the pod subnet {pods} and the service subnet {services} overlap; give them "
                "disjoint ranges, e.g. 10.42.0.0/16 and 10.43.0.0/16",
            )
        return self

    def with_extra_args(self, *args: str) -> Self:
        """More ``k3s server`` flags, after pyspire's own (``'--kubelet-arg=max-pods=50'``)."""
        example = "with_extra_args('--kubelet-arg=max-pods=50')"
        if self._rejects("with_extra_args", *(Arg("", a, "text", example) for a in args)):
            return self
        return self.with_args(*args)


def _networks(cidr: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(part.strip(), strict=True) for part in cidr.split(",")]


def _cidr_problem(cidr: object, example: str) -> str | None:
    if not isinstance(cidr, str):
        return f"{shown(cidr)} is not a CIDR; pass text, e.g. {example}"
    try:
        _networks(cidr)
    except ValueError as exc:
        return f"{cidr!r} is not a CIDR ({exc}); give a network address and prefix, e.g. {example}"
    return None


def _overlap(a: str, b: str) -> bool:
    return any(x.overlaps(y) for x in _networks(a) for y in _networks(b) if x.version == y.version)


class K3sBuilderMethods(AppModelBuilder):
    """The k3s integration's methods on the app's builder."""

    def add_k3s_cluster(
        self, name: str, api_port: int | None = None, token: ParameterBuilder | None = None
    ) -> K3sClusterBuilder:
        """A k3s cluster: the server container (``docker.io/rancher/k3s:v1.33.4-k3s1``;
        ``with_image`` / ``with_image_tag`` change it) with endpoint ``https`` (the API; on
        ``api_port`` on the host, else a free port), healthy once the API answers and every node
        is Ready. ``token``: a secret parameter; by default ``<name>-token``, generated at the
        first run and kept in ``.pyspire/settings.json``. ``with_reference(cluster)`` gives a
        process ``KUBECONFIG`` and a container its kubeconfig, read-only."""
        text_name = name if isinstance(name, str) else repr(name)
        resource = K3sClusterResource(text_name, cluster_paths(self.app_dir, text_name))
        cluster = K3sClusterBuilder(self, resource)
        self.add_resource(cluster)
        if cluster._rejects(
            "add_k3s_cluster",
            Arg("name", name, "text", _EXAMPLE),
            Arg("api_port", api_port, "whole number", _EXAMPLE, optional=True),
            defines_resource=True,
        ):
            api_port = None
        secret = server_password(self, text_name, token, kind="token")
        resource.token = secret.value
        if secret.problem is not None:
            cluster._reject("add_k3s_cluster token", secret.problem)
        if secret.generated is not None:
            secret.generated.with_parent(cluster)
        (
            cluster.with_endpoint(ENDPOINT, port=api_port, target_port=API_PORT, scheme="https")
            .with_env("K3S_TOKEN", resource.token)
            # The server's node is named after the resource, not after a container id.
            .with_env("K3S_NODE_NAME", text_name)
            .with_env("K3S_KUBECONFIG_OUTPUT", f"{RAW_MOUNT}/{RAW_FILE}")
            .with_env("K3S_KUBECONFIG_MODE", KUBECONFIG_MODE)
            .with_bind_mount(resource.paths.raw_dir, RAW_MOUNT, create=True)
            .with_bind_mount(CGROUP_DIR, CGROUP_DIR)
            .with_container_runtime_args(*RUNTIME_ARGS)
            .with_args(server_args)
            .with_health_check(health.cluster_ready, name=health.CHECK)
            .with_health_check_interval(healthy=health.HEALTHY_INTERVAL, unhealthy=health.UNHEALTHY_INTERVAL)
            .on_stopped(cluster_stopped)
        )
        return cluster
