"""``pyspire deploy --target kubernetes`` onto a k3s cluster that a running pyspire app host owns
(``add_k3s_cluster``, the k3s tests' image): the host kubeconfig pyspire derived for the cluster
is all the deploy needs; the release's Deployment becomes available and its Secret holds the
value deploy filled; a Helm release of the deployed app's own k3s cluster is installed as the
chart's dependency with its values; destroy removes the release and the namespace, and the cluster
keeps running for its app host."""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from pyspire import DistributedApplication, testing
from tests.deploy.helpers import BUSYBOX, pyspire, write_app
from tests.deploy.kube import tools_env
from tests.integrations.k3s.cluster import HELM_IMAGE, K3S_IMAGE, ensure_images, podman
from tests.integrations.k3s.tools import helm_binary, kubectl_binary

pytestmark = [pytest.mark.containers, pytest.mark.timeout(600)]

CLUSTER = "dplk8s"
WEB_CHART = Path(__file__).parents[1] / "integrations" / "k3s" / "charts" / "web"
CACHE_PASSWORD = "cache-pw-3f9a11c0"


def kubectl(kubeconfig: Path, *args: str) -> str:
    done = subprocess.run([kubectl_binary(), f"--kubeconfig={kubeconfig}", *args], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_a_k3s_cluster_of_a_running_app_host_is_a_deploy_target_through_its_kubeconfig_and_helm_releases_deploy_as_subcharts(tmp_path: Path) -> None:
    ensure_images()
    b = DistributedApplication.create_builder(app_dir=tmp_path / "host")
    b.add_k3s_cluster(CLUSTER).with_image(K3S_IMAGE).with_image_pull_policy("never").with_stop_grace_period(5)
    body = 'builder.add_redis("cache")\nbuilder.add_k3s_cluster("inner").add_helm_release("site", "./charts/web").with_values({"greeting": "deployed"})\n'
    deployed = write_app(tmp_path / "cacheapp", body).parent
    shutil.copytree(WEB_CHART, deployed / "charts" / "web")
    folder = tmp_path / "deploy"
    async with testing.start(b) as app:
        await app.wait_for_healthy(CLUSTER, timeout=180)
        [replica] = app.resource(CLUSTER).replicas
        assert replica.container_id
        kubeconfig = tmp_path / "host" / ".pyspire" / "k3s" / CLUSTER / "host" / "kubeconfig.yaml"
        assert kubeconfig.is_file(), "pyspire writes the host kubeconfig of a healthy cluster"

        env = {**tools_env(), "Parameters__cache-password": CACHE_PASSWORD}
        args = ("--target", "kubernetes", "-o", str(folder))
        done = await asyncio.to_thread(
            pyspire, "deploy", *args, "--kubeconfig", str(kubeconfig), "--timeout", "120", str(deployed), env=env, timeout=400
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "cache" in done.stdout and "available" in done.stdout
        assert CACHE_PASSWORD not in done.stdout + done.stderr
        namespace = json.loads((folder / "deployment.json").read_text())["namespace"]
        deployment = json.loads(kubectl(kubeconfig, "-n", namespace, "get", "deployment", "cache", "-o", "json"))
        assert deployment["status"].get("availableReplicas") == 1
        site = json.loads(kubectl(kubeconfig, "-n", namespace, "get", "deployment", "cacheapp", "-o", "json"))  # the web chart names it after the release
        assert site["spec"]["template"]["metadata"]["annotations"]["pyspire.dev/greeting"] == "deployed"
        assert site["status"].get("availableReplicas") == 1
        secret = json.loads(kubectl(kubeconfig, "-n", namespace, "get", "secret", "cache-secret", "-o", "json"))
        assert CACHE_PASSWORD in {base64.b64decode(v).decode() for v in secret["data"].values()}

        gone = await asyncio.to_thread(pyspire, "destroy", *args, env=env, timeout=300)
        assert gone.returncode == 0, gone.stdout + gone.stderr
        releases = subprocess.run([helm_binary(), f"--kubeconfig={kubeconfig}", "list", "-A", "-q"], capture_output=True, text=True, timeout=60)
        assert releases.returncode == 0 and releases.stdout.strip() == ""
        assert f"namespace/{namespace}" not in kubectl(kubeconfig, "get", "namespaces", "-o", "name").split()
        assert podman("inspect", "--format", "{{.State.Running}}", replica.container_id).strip() == "true", "the cluster is its app host's"


OWN_APPHOST = f"""
from pyspire import DistributedApplication

builder = DistributedApplication.create_builder()
k8s = builder.add_k3s_cluster("selfk8s").with_image("{K3S_IMAGE}").with_image_pull_policy("never").with_stop_grace_period(5)
k8s.add_helm_release("site", "./charts/web").with_image("{HELM_IMAGE}").with_values({{"greeting": "from-run"}}).with_timeout("2m")
builder.add_container("box", "{BUSYBOX}").with_args("sleep", "3600")
builder.build().run()
"""


async def test_deploy_onto_the_apps_own_running_cluster_by_name_leaves_its_helm_releases_to_pyspire_run(tmp_path: Path) -> None:
    ensure_images()
    app_dir = tmp_path / "selfapp"
    shutil.copytree(WEB_CHART, app_dir / "charts" / "web")
    (app_dir / "apphost.py").write_text(OWN_APPHOST)
    folder = tmp_path / "deploy"
    args = ("--target", "kubernetes", "-o", str(folder))
    unknown = pyspire("deploy", *args, "--cluster", "nope", str(app_dir), env=tools_env())
    assert unknown.returncode == 2 and "no k3s cluster of that name; its k3s clusters: selfk8s" in unknown.stderr, unknown.stderr
    stopped = pyspire("deploy", *args, "--cluster", "selfk8s", str(app_dir), env=tools_env())
    assert stopped.returncode == 2 and "the cluster does not run" in stopped.stderr and "pyspire run" in stopped.stderr, stopped.stderr
    assert not (folder / "deployment.json").exists(), "nothing was deployed"

    async with testing.start(str(app_dir / "apphost.py")) as app:
        await app.wait_for_resource("site", state="Finished", timeout=240)
        done = await asyncio.to_thread(pyspire, "deploy", *args, "--cluster", "selfk8s", "--timeout", "120", str(app_dir), env=tools_env(), timeout=400)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "left out: pyspire run installs this Helm release" in done.stdout
        kubeconfig = app_dir / ".pyspire" / "k3s" / "selfk8s" / "host" / "kubeconfig.yaml"
        box = json.loads(kubectl(kubeconfig, "-n", "selfapp", "get", "deployment", "box", "-o", "json"))
        assert box["status"].get("availableReplicas") == 1
        names = kubectl(kubeconfig, "-n", "selfapp", "get", "deployments", "-o", "name").split()
        assert names == ["deployment.apps/box"], "the web chart's Deployment is pyspire run's, not installed again"
        assert "deployment.apps/site" in kubectl(kubeconfig, "-n", "default", "get", "deployments", "-o", "name").split()
        gone = await asyncio.to_thread(pyspire, "destroy", *args, env=tools_env(), timeout=300)
        assert gone.returncode == 0, gone.stdout + gone.stderr
