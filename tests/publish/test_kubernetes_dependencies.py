"""A Helm release of the app's k3s cluster publishes as what it is — a dependency of the app's
chart: aliased by the release's name, switched by ``<release>.enabled``, with the values the
release was given (values files in order, then ``with_values``); a local chart folder or a
packaged one is carried in ``charts/<release>/`` so the chart installs as it is, a repository
chart is named for ``helm dependency build``. Rendered with the real helm."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from pyspire.publish import PublishError
from tests.publish.charts import by_kind, helm, helm_template, validate_strictly
from tests.publish.models import builder_in, publish_model

WEB_CHART = Path(__file__).parents[1] / "integrations" / "k3s" / "charts" / "web"


def _app_with_releases(tmp_path: Path, *, repository: bool = True) -> Path:
    app = tmp_path / "app"
    shutil.copytree(WEB_CHART, app / "charts" / "web")
    packaged = helm("package", str(app / "charts" / "web"), "-d", str(app / "packed"))
    assert packaged.returncode == 0, packaged.stderr
    (app / "site-values.yaml").write_text("greeting: from-the-file\nreplicaCount: 3\n")
    b = builder_in(app)
    k8s = b.add_k3s_cluster("k8s")
    k8s.add_helm_release("site", "./charts/web", namespace="web").with_values_file("site-values.yaml").with_values({"greeting": "from-code"})
    k8s.add_helm_release("packed", "./packed/web-0.1.0.tgz")
    if repository:
        k8s.add_helm_release("cache", "redis", repo="https://charts.example.test/stable", version="19.0.1")
    b.add_python_app("api", ".", "api.py").with_http_endpoint(env="PORT")
    publish_model(b, tmp_path / "out", "kubernetes")
    return tmp_path / "out"


def test_helm_releases_become_aliased_dependencies_of_the_chart_with_their_values(tmp_path):
    out = _app_with_releases(tmp_path)
    chart = yaml.safe_load((out / "Chart.yaml").read_text())
    assert chart["dependencies"] == [
        {"name": "redis", "version": "19.0.1", "repository": "https://charts.example.test/stable", "alias": "cache", "condition": "cache.enabled"},
        {"name": "web", "version": "0.1.0", "alias": "packed", "condition": "packed.enabled"},
        {"name": "web", "version": "0.1.0", "alias": "site", "condition": "site.enabled"},
    ]
    values = yaml.safe_load((out / "values.yaml").read_text())
    assert values["site"] == {"enabled": True, "greeting": "from-code", "replicaCount": 3}, "the file, then with_values over it"
    assert values["packed"] == {"enabled": True} and values["cache"] == {"enabled": True}
    assert "installed in this release's namespace, not 'web'" in (out / "values.yaml").read_text()
    assert (out / "charts" / "site" / "templates" / "deployment.yaml").read_text() == (WEB_CHART / "templates" / "deployment.yaml").read_text()
    assert (out / "charts" / "packed" / "Chart.yaml").is_file(), "a packaged chart is unpacked into the chart"
    assert not (out / "charts" / "cache").exists(), "a repository chart is fetched by helm dependency build"


def test_the_carried_charts_lint_render_and_validate_with_the_real_helm_each_with_its_own_values(tmp_path):
    out = _app_with_releases(tmp_path, repository=False)
    lint = helm("lint", "--strict", str(out))
    assert lint.returncode == 0, lint.stdout + lint.stderr
    objects = helm_template(out)
    validate_strictly(objects)
    deployments = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] != "api"]
    shown = sorted((o["spec"]["template"]["metadata"]["annotations"]["pyspire.dev/greeting"], o["spec"]["replicas"]) for o in deployments)
    assert shown == [("from-code", 3), ("hello", 1)], "site with its values, packed with its chart's own"
    assert ("Deployment", "api") in by_kind(objects), "the app's own services beside them"
    off = [o for o in helm_template(out, "--set", "site.enabled=false") if o["kind"] == "Deployment" and o["metadata"]["name"] != "api"]
    assert [o["spec"]["template"]["metadata"]["annotations"]["pyspire.dev/greeting"] for o in off] == ["hello"]


def test_a_local_chart_folder_without_a_chart_yaml_stops_the_publish_naming_the_release(tmp_path):
    app = tmp_path / "app"
    (app / "charts" / "empty").mkdir(parents=True)
    b = builder_in(app)
    b.add_k3s_cluster("k8s").add_helm_release("broken", "./charts/empty")
    with pytest.raises(PublishError) as caught:
        publish_model(b, tmp_path / "out", "kubernetes")
    assert "broken" in str(caught.value) and "Chart.yaml" in str(caught.value)
    assert not (tmp_path / "out").exists(), "nothing is written"
