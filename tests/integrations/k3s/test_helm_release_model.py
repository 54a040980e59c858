"""What ``add_helm_release`` puts in the model, checked without starting anything: a child of the
cluster running the Helm image with the upgrade argv as a list, the chart and values folder mounted
read-only, waiting for and referencing the cluster; bad paths reported by ``build()`` naming the
resource, the call and the fix; and the "unchanged, not reinstalled" decision on a real stamp."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from pyspire.errors import ConfigurationError
from pyspire.extensions import parent_of
from pyspire.integrations.k3s.helm import HelmReleaseResource, merge_values, prepare_release
from pyspire.integrations.k3s.helm_args import upgrade_argv
from pyspire.model.annotations import ReferenceAnnotation
from pyspire.model.events import BeforeResourceStart
from pyspire.model.lifecycle import WaitAnnotation
from tests.integrations.k3s.helm_model import CHARTS, model_cluster
from tests.model.model_problems import problems_of


def test_a_local_chart_release_is_a_child_running_helm_upgrade_install_with_mounted_chart(
    tmp_path: Path,
) -> None:
    _, cluster = model_cluster(tmp_path)
    web = cluster.add_helm_release("web", str(CHARTS / "web"), namespace="shop").with_values(
        {"greeting": "hi"}
    )
    resource = web.resource
    assert isinstance(resource, HelmReleaseResource) and parent_of(resource) is cluster.resource
    assert resource.image.reference == "docker.io/alpine/helm:3.17.3"
    assert resource.entrypoint == "helm"
    assert upgrade_argv(resource.release)[:4] == ["upgrade", "--install", "web", "/charts/web"]
    mounts = {m.target: (m.source, m.read_only) for m in resource.mounts}
    assert mounts["/charts/web"] == (str(CHARTS / "web"), True)
    assert mounts["/values"] == (str(tmp_path / ".pyspire/k3s/kube/helm/web/values"), True)
    assert mounts["/etc/pyspire/k3s"] == (str(cluster.paths.container_dir), True), "the cluster's kubeconfig"
    assert any(isinstance(a, WaitAnnotation) and a.target is cluster.resource for a in resource.annotations)
    assert any(
        isinstance(a, ReferenceAnnotation) and a.target is cluster.resource for a in resource.annotations
    )
    assert web.with_image("localhost/pyspire-test/helm", "latest").resource.image.reference == (
        "localhost/pyspire-test/helm:latest"
    )


def test_a_repository_chart_keeps_its_reference_version_and_repo(tmp_path: Path) -> None:
    _, cluster = model_cluster(tmp_path)
    resource = cluster.add_helm_release("db", "postgresql", repo="https://charts.example", version="1.2.3").resource
    argv = upgrade_argv(resource.release)
    assert argv[3] == "postgresql" and ["--version", "1.2.3"] == argv[argv.index("--version") :][:2]
    assert not any(m.target.startswith("/charts") for m in resource.mounts)


def test_values_merge_nested_dicts_and_later_calls_win() -> None:
    merged = merge_values({"a": {"b": 1, "c": 2}, "d": 1}, {"a": {"c": 3}, "d": {"e": 4}})
    assert merged == {"a": {"b": 1, "c": 3}, "d": {"e": 4}}


def test_a_timeout_is_a_go_duration_or_seconds(tmp_path: Path) -> None:
    b, cluster = model_cluster(tmp_path)
    web = cluster.add_helm_release("web", "nginx", repo="https://charts.example")
    assert web.with_timeout(90).resource.release.timeout == "90s"
    assert web.with_timeout("5m").resource.release.timeout == "5m"
    web.with_timeout("soon")
    assert any("with_timeout: 'soon' is not a duration" in p for p in problems_of(b))


def test_a_missing_chart_or_values_file_is_a_build_problem_naming_resource_call_and_fix(
    tmp_path: Path,
) -> None:
    b, cluster = model_cluster(tmp_path)
    cluster.add_helm_release("web", "./no-such-chart")
    cluster.add_helm_release("api", str(CHARTS / "web")).with_values_file("./missing-values.yaml")
    problems = problems_of(b)
    assert any(
        "resource 'web', add_helm_release chart: chart" in p and "no-such-chart" in p and "pass repo=" in p
        for p in problems
    ), problems
    assert any(
        "resource 'api', with_values_file: values file" in p
        and "missing-values.yaml" in p
        and "fix the path" in p
        for p in problems
    ), problems


def test_a_chart_removed_after_the_model_was_built_fails_the_start_with_the_fix(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    shutil.copytree(CHARTS / "web", chart)
    _, cluster = model_cluster(tmp_path)
    web = cluster.add_helm_release("web", str(chart))
    shutil.rmtree(chart)
    with pytest.raises(ConfigurationError, match=r"web: chart .*chart.* does not exist"):
        prepare_release(BeforeResourceStart(web.resource))


class Api:
    """The cluster API's answer to the deployed-secrets list call, and the calls made."""

    def __init__(self, deployed: bool) -> None:
        self.deployed = deployed
        self.calls: list[str] = []

    async def __call__(self, path: str) -> Any:
        self.calls.append(path)
        return {"items": [{"metadata": {"name": "sh.helm.release.v1.web.v1"}}] if self.deployed else []}


def test_an_unchanged_deployed_release_is_skipped_and_a_change_or_uninstall_runs_helm(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    shutil.copytree(CHARTS / "web", chart)
    _, cluster = model_cluster(tmp_path)
    web = cluster.add_helm_release("web", str(chart)).with_values({"greeting": "hi"})
    resource = web.resource
    api = Api(deployed=True)
    resource.get_json = api
    prepare_release(BeforeResourceStart(resource))
    assert json.loads((resource.folder / "values" / "generated-values.json").read_text()) == {
        "greeting": "hi"
    }

    assert asyncio.run(resource.up_to_date()) is None, "never installed: no stamp"
    resource.record_success()
    assert resource.stamp_path.is_file()
    reason = asyncio.run(resource.up_to_date())
    assert reason is not None and reason.startswith("unchanged, not reinstalled")
    assert api.calls == [
        "/api/v1/namespaces/default/secrets?labelSelector=owner%3Dhelm%2Cname%3Dweb%2Cstatus%3Ddeployed&limit=1"
    ]

    api.deployed = False
    assert asyncio.run(resource.up_to_date()) is None, "uninstalled meanwhile: install again"
    api.deployed = True
    web.with_values({"greeting": "hello again"})
    assert asyncio.run(resource.up_to_date()) is None, "a changed value upgrades"
    resource.record_success()
    assert asyncio.run(resource.up_to_date()) is not None
    (chart / "templates" / "service.yaml").write_text(
        (chart / "templates" / "service.yaml").read_text() + "\n# edited\n"
    )
    assert asyncio.run(resource.up_to_date()) is None, "a changed chart file upgrades"


def test_an_api_that_cannot_answer_means_install_again(tmp_path: Path) -> None:
    _, cluster = model_cluster(tmp_path)
    resource = cluster.add_helm_release("web", "nginx", repo="https://charts.example").resource

    async def unreachable(path: str) -> Any:
        raise OSError("connection refused")

    resource.get_json = unreachable
    resource.record_success()
    assert asyncio.run(resource.up_to_date()) is None


def test_a_packaged_chart_is_mounted_read_only_and_installed_from_its_mount(tmp_path: Path) -> None:
    import subprocess

    from tests.integrations.k3s.tools import helm_binary

    subprocess.run([helm_binary(), "package", str(CHARTS / "web"), "-d", str(tmp_path)], check=True, capture_output=True)
    _, cluster = model_cluster(tmp_path)
    resource = cluster.add_helm_release("web", "./web-0.1.0.tgz").resource
    assert upgrade_argv(resource.release)[3] == "/charts/web-0.1.0.tgz"
    assert ("/charts/web-0.1.0.tgz", True) in {(m.target, m.read_only) for m in resource.mounts}
    assert resource.install_inputs() is not None, "the package's bytes are in the checksum"


def test_a_bare_relative_chart_folder_beside_the_app_host_is_local_and_repo_charts_are_not(tmp_path: Path) -> None:
    shutil.copytree(CHARTS / "web", tmp_path / "charts" / "web")
    _, cluster = model_cluster(tmp_path)
    local = cluster.add_helm_release("web", "charts/web").resource
    assert local.release.chart == str(tmp_path / "charts" / "web")
    assert upgrade_argv(local.release)[3] == "/charts/web"
    from_path = cluster.add_helm_release("web2", Path("charts/web")).resource
    assert from_path.release.chart == str(tmp_path / "charts" / "web")
    remote = cluster.add_helm_release("db", "bitnami/postgresql").resource
    assert remote.release.chart == "bitnami/postgresql" and not any(m.target.startswith("/charts") for m in remote.mounts)
