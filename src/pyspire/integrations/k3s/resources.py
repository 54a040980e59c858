"""The k3s server and agent containers, the server's command line, and what referencing it gives.

The server runs ``server`` with a ``--tls-san`` for every name a client uses (``localhost`` and
``127.0.0.1`` for processes on the host, the resource name for the app's containers, the
container's own name when one is set), the disabled components and subnets; the user's
``with_args`` / ``with_extra_args`` follow. Its token travels in ``K3S_TOKEN`` (a secret
parameter in the container's private env file, never on a command line), and it writes its
kubeconfig into the bind-mounted ``raw/`` folder (``K3S_KUBECONFIG_OUTPUT``).

An agent follows its server: the same image, pull policy and lifetime, whatever was set on the
server after the agent was added.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pyspire.integrations.k3s.paths import CONTAINER_KUBECONFIG_DIR, ClusterPaths
from pyspire.model.annotations import ArgsCallbackContext
from pyspire.model.containers import ContainerImageAnnotation, Lifetime, PullPolicy
from pyspire.model.endpoints import EndpointReference
from pyspire.model.outputs import OutputReference
from pyspire.model.resources import ContainerResource
from pyspire.model.runnable_builder import RunnableBuilder
from pyspire.model.values import ValueProvider

DEFAULT_IMAGE = "docker.io/rancher/k3s"
DEFAULT_TAG = "v1.33.4-k3s1"
ENDPOINT = "https"
#: The outputs the cluster publishes once it is ready: the paths of the two kubeconfigs.
KUBECONFIG_OUTPUT = "kubeconfig"
CONTAINER_KUBECONFIG_OUTPUT = "container_kubeconfig"
#: Where the server keeps its state (``with_data_volume``).
DATA_DIR = "/var/lib/rancher/k3s"
#: What k3s needs of podman or docker: its own cgroups and mounts, the host's cgroup tree.
RUNTIME_ARGS = ("--privileged", "--cgroupns=host", "--tmpfs", "/run")
CGROUP_DIR = "/sys/fs/cgroup"
#: The components ``--disable`` accepts (k3s' packaged components).
COMPONENTS = ("coredns", "servicelb", "traefik", "local-storage", "metrics-server")
MAX_AGENTS = 16


class K3sClusterResource(ContainerResource):
    """A k3s server in a container; its agents are child containers."""

    resource_type: ClassVar[str] = "K3sCluster"

    def __init__(self, name: str, paths: ClusterPaths) -> None:
        super().__init__(name, ContainerImageAnnotation(DEFAULT_IMAGE, DEFAULT_TAG))
        self.paths = paths
        #: The token (a secret parameter); set by ``add_k3s_cluster`` right after the resource.
        self.token: ValueProvider | None = None
        self.agents: list[K3sAgentResource] = []
        self.disabled_components: list[str] = []
        self.pod_subnet: str | None = None
        self.service_subnet: str | None = None
        #: Whether this start's outputs are published (reset when the cluster stops).
        self.outputs_published = False

    @property
    def endpoint(self) -> EndpointReference:
        return EndpointReference(self, ENDPOINT)

    @property
    def expected_nodes(self) -> int:
        """The server and every agent: the cluster is healthy once this many nodes are Ready."""
        return 1 + len(self.agents)

    @property
    def kubeconfig(self) -> OutputReference:
        """The host variant's path (``https://localhost:<port>``), once the cluster is ready."""
        return OutputReference(self, KUBECONFIG_OUTPUT)

    @property
    def container_kubeconfig(self) -> OutputReference:
        """The container variant's path inside a referencing container, once the cluster is ready."""
        return OutputReference(self, CONTAINER_KUBECONFIG_OUTPUT)

    def server_args(self) -> list[str]:
        """``server`` and its flags (before the user's own arguments)."""
        args = ["server"]
        for san in tls_sans(self.name, self.container_name):
            args += ["--tls-san", san]
        for component in self.disabled_components:
            args.append(f"--disable={component}")
        if self.pod_subnet:
            args.append(f"--cluster-cidr={self.pod_subnet}")
        if self.service_subnet:
            args.append(f"--service-cidr={self.service_subnet}")
        return args

    def referenced_by(self, consumer: RunnableBuilder[Any]) -> None:
        """A container gets the container variant's folder read-only and ``KUBECONFIG`` naming
        the file in it (the app's network resolves the cluster's name); a process gets
        ``KUBECONFIG``, the host variant. Both wait for the cluster's kubeconfig output."""
        from pyspire.model.container_builder import ContainerBuilder

        if isinstance(consumer, ContainerBuilder):
            consumer.with_bind_mount(
                self.paths.container_dir, CONTAINER_KUBECONFIG_DIR, read_only=True, create=True
            )
            consumer.with_env("KUBECONFIG", self.container_kubeconfig)
        else:
            consumer.with_env("KUBECONFIG", self.kubeconfig)


def tls_sans(cluster_name: str, container_name: str | None) -> list[str]:
    """Every name a client reaches the API by: the host's loopback names, the network alias
    (the resource name), and the engine's container name when one is given."""
    names = ["localhost", "127.0.0.1", cluster_name]
    if container_name and container_name not in names:
        names.append(container_name)
    return names


def server_args(ctx: ArgsCallbackContext) -> None:
    """The args callback of the server: its flags, read at each start."""
    assert isinstance(ctx.resource, K3sClusterResource)
    ctx.args.extend(ctx.resource.server_args())


class K3sAgentResource(ContainerResource):
    """A k3s agent joining its server; image, pull policy and lifetime are the server's."""

    resource_type: ClassVar[str] = "K3sAgent"

    def __init__(self, name: str, server: K3sClusterResource) -> None:
        super().__init__(name, server.image)
        self.server = server

    @property
    def image(self) -> ContainerImageAnnotation:
        return self.server.image

    @property
    def pull_policy(self) -> PullPolicy:
        return self.server.pull_policy

    @property
    def lifetime(self) -> Lifetime:
        return self.server.lifetime
