"""What ``add_k3s_cluster`` puts in the model, checked without starting anything: the pinned
upstream image (overridable), the API endpoint, the server's command line (``--tls-san`` for every
name clients use, disabled components, subnets, extra args last), the token kept out of it, what
k3s needs of the engine, agents as child containers, and ``build()``'s messages for bad settings
naming the cluster, the setting and the fix."""

from __future__ import annotations

import pytest

from pyspire import DistributedApplication
from pyspire.extensions import parent_of, render_launch
from pyspire.integrations.k3s import K3sAgentResource, K3sClusterBuilder, K3sClusterResource
from pyspire.model.lifecycle import WaitAnnotation
from pyspire.model.resources import ParameterResource
from tests.model.model_problems import problems_of
from tests.model.test_render_without_running import ComposeContext


def _launch(resource):
    return render_launch(resource, ComposeContext(resource))


def test_add_k3s_cluster_runs_pinned_rancher_k3s_with_an_https_api_endpoint_on_6443(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    k8s = b.add_k3s_cluster("k8s")
    assert isinstance(k8s, K3sClusterBuilder) and isinstance(k8s.resource, K3sClusterResource)
    assert k8s.resource.image.reference == "docker.io/rancher/k3s:v1.33.4-k3s1"
    [endpoint] = k8s.resource.endpoints
    assert (endpoint.name, endpoint.scheme, endpoint.target_port, endpoint.port) == ("https", "https", 6443, None)
    assert b.add_k3s_cluster("fixed", api_port=16443).resource.endpoints[0].port == 16443


def test_the_image_is_overridden_like_any_containers_and_agents_follow_it(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    k8s = b.add_k3s_cluster("k8s").with_agents(1).with_image("localhost/pyspire-test/k3s:latest")
    [agent] = k8s.resource.agents
    assert k8s.resource.image.reference == agent.image.reference == "localhost/pyspire-test/k3s:latest"
    k8s.with_image_tag("v1.34.1-k3s1").with_image_pull_policy("never").with_lifetime("persistent")
    assert agent.image.reference == "localhost/pyspire-test/k3s:v1.34.1-k3s1"
    assert (agent.pull_policy, agent.persistent) == ("never", True)


def test_server_args_name_every_address_clients_use_then_components_subnets_and_extra_args(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    k8s = (
        b.add_k3s_cluster("k8s")
        .with_disabled_component("traefik")
        .with_disabled_component("traefik")
        .with_pod_subnet("10.52.0.0/16")
        .with_service_subnet("10.53.0.0/16")
        .with_extra_args("--kubelet-arg=max-pods=50")
    )
    assert _launch(k8s.resource).args == [
        "server",
        "--tls-san", "localhost",
        "--tls-san", "127.0.0.1",
        "--tls-san", "k8s",
        "--disable=traefik",
        "--cluster-cidr=10.52.0.0/16",
        "--service-cidr=10.53.0.0/16",
        "--kubelet-arg=max-pods=50",
    ]  # fmt: skip


def test_a_container_name_is_a_tls_san_too(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    k8s = b.add_k3s_cluster("k8s").with_container_name("dev-k3s")
    assert _launch(k8s.resource).args[:9][-2:] == ["--tls-san", "dev-k3s"]


def test_the_token_is_a_generated_secret_parameter_in_the_env_never_in_the_args(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    k8s = b.add_k3s_cluster("k8s")
    [token] = [r for r in b.resources if r.name == "k8s-token"]
    assert isinstance(token, ParameterResource) and token.secret and token.generate is not None
    assert parent_of(token) is k8s.resource
    launch = _launch(k8s.resource)
    assert launch.env["K3S_TOKEN"] == "${K8S_TOKEN}" and "K3S_TOKEN" in launch.secret_env
    assert not any("K8S_TOKEN" in arg for arg in launch.args)


def test_a_given_token_parameter_is_used_and_a_plain_string_is_refused_unquoted(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    shared = b.add_parameter("shared-token", secret=True)
    k8s = b.add_k3s_cluster("k8s", token=shared)
    assert k8s.resource.token is shared.resource
    assert not any(r.name == "k8s-token" for r in b.resources)
    b2 = DistributedApplication.create_builder(app_dir=tmp_path)
    b2.add_k3s_cluster("k8s", token="hunter2")  # type: ignore[arg-type]
    [problem] = problems_of(b2)
    assert "k8s" in problem and "token" in problem and "secret parameter" in problem
    assert "hunter2" not in problem


def test_the_server_writes_its_kubeconfig_into_a_created_raw_folder_and_gets_what_k3s_needs(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    k8s = b.add_k3s_cluster("k8s")
    raw, cgroup = k8s.resource.mounts
    assert (raw.source, raw.target, raw.create, raw.read_only) == (str(k8s.paths.raw_dir), "/output", True, False)
    assert k8s.paths.root == tmp_path.resolve() / ".pyspire" / "k3s" / "k8s"
    assert (cgroup.source, cgroup.target) == ("/sys/fs/cgroup", "/sys/fs/cgroup")
    assert k8s.resource.runtime_args == ("--privileged", "--cgroupns=host", "--tmpfs", "/run")
    env = _launch(k8s.resource).env
    assert env["K3S_KUBECONFIG_OUTPUT"] == "/output/kubeconfig.yaml"
    assert env["K3S_KUBECONFIG_MODE"] == "644"
    assert env["K3S_NODE_NAME"] == "k8s"
    b.build()  # the raw folder does not exist yet, and that is no problem
    assert not k8s.paths.raw_dir.exists()


def test_with_data_volume_mounts_a_stable_volume_at_the_k3s_data_dir_once(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    k8s = b.add_k3s_cluster("k8s").with_data_volume().with_data_volume()
    [volume] = [m for m in k8s.resource.mounts if m.kind == "volume"]
    assert volume.target == "/var/lib/rancher/k3s" and volume.source == k8s.stable_volume_name("data")
    named = b.add_k3s_cluster("other").with_data_volume("my-k3s")
    assert [m.source for m in named.resource.mounts if m.kind == "volume"] == ["my-k3s"]


def test_agents_are_child_containers_joining_the_server_by_name_with_its_token(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    k8s = b.add_k3s_cluster("k8s").with_agents(2)
    agents = [r for r in b.resources if isinstance(r, K3sAgentResource)]
    assert [a.name for a in agents] == ["k8s-agent-0", "k8s-agent-1"] and k8s.resource.agents == agents
    assert k8s.resource.expected_nodes == 3
    agent = agents[1]
    assert parent_of(agent) is k8s.resource
    launch = _launch(agent)
    assert launch.args == ["agent"]
    assert launch.env["K3S_URL"] == "https://k8s:6443"
    assert launch.env["K3S_TOKEN"] == "${K8S_TOKEN}" and "K3S_TOKEN" in launch.secret_env
    assert launch.env["K3S_NODE_NAME"] == "k8s-agent-1"
    assert agent.runtime_args == k8s.resource.runtime_args
    # Started, not healthy: the server's health needs the agents, waiting for it would deadlock.
    assert agent.annotations_of(WaitAnnotation) == [WaitAnnotation(k8s.resource, "start")]


def test_with_agents_again_replaces_the_earlier_agents(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    k8s = b.add_k3s_cluster("k8s").with_agents(3).with_agents(1)
    assert [r.name for r in b.resources if isinstance(r, K3sAgentResource)] == ["k8s-agent-0"]
    k8s.with_agents(0)
    assert k8s.resource.expected_nodes == 1 and not any(isinstance(r, K3sAgentResource) for r in b.resources)
    b.build()


@pytest.mark.parametrize(
    ("configure", "expected"),
    [
        (lambda k: k.with_agents(17), ["k8s", "with_agents", "17 agents is out of range; give 0 to 16"]),
        (lambda k: k.with_agents(-1), ["k8s", "with_agents", "give 0 to 16"]),
        (lambda k: k.with_agents("two"), ["k8s", "with_agents", "whole number"]),
        (lambda k: k.with_disabled_component("trafik"), ["with_disabled_component", "'trafik' is not a k3s component", "traefik"]),
        (lambda k: k.with_pod_subnet("10.42.0.0/33"), ["with_pod_subnet", "'10.42.0.0/33' is not a CIDR", "with_pod_subnet('10.42.0.0/16')"]),
        (lambda k: k.with_service_subnet("10.43.0.1/16"), ["with_service_subnet", "is not a CIDR", "host bits set"]),
        (lambda k: k.with_service_subnet(1043), ["with_service_subnet", "1043 is not a CIDR; pass text"]),
        (
            lambda k: k.with_pod_subnet("10.42.0.0/16").with_service_subnet("10.42.128.0/17"),
            ["with_service_subnet", "overlap", "disjoint"],
        ),
        (lambda k: k.with_extra_args("--x", None), ["with_extra_args", "text"]),
    ],
)
def test_build_reports_bad_settings_naming_the_cluster_the_setting_and_the_fix(tmp_path, configure, expected):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    configure(b.add_k3s_cluster("k8s"))
    [problem] = problems_of(b)
    for part in expected:
        assert part in problem


def test_a_dual_stack_subnet_pair_is_accepted(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    k8s = b.add_k3s_cluster("k8s").with_pod_subnet("10.42.0.0/16,fd00:42::/56").with_service_subnet("10.43.0.0/16")
    b.build()
    assert "--cluster-cidr=10.42.0.0/16,fd00:42::/56" in _launch(k8s.resource).args


def test_a_referencing_process_gets_kubeconfig_the_host_variant_output(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    k8s = b.add_k3s_cluster("k8s")
    tool = b.add_executable("tool", "kubectl", ".", "get", "nodes").with_reference(k8s)
    assert _launch(tool.resource).env["KUBECONFIG"] == "${K8S_KUBECONFIG}"
    assert not tool.resource.annotations_of(type(k8s.resource.mounts[0]))


def test_a_referencing_container_gets_the_container_folder_read_only_and_kubeconfig_inside(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    k8s = b.add_k3s_cluster("k8s")
    kubectl = b.add_container("kubectl", "localhost/pyspire-test/kubectl:latest").with_reference(k8s)
    [mount] = kubectl.resource.mounts
    assert (mount.kind, mount.source, mount.target) == ("bind", str(k8s.paths.container_dir), "/etc/pyspire/k3s")
    assert mount.read_only and mount.create  # a folder: an atomic rename on the host is seen inside
    assert _launch(kubectl.resource).env["KUBECONFIG"] == "${K8S_CONTAINER_KUBECONFIG}"
    b.build()
