"""Every chart pyspire writes passes ``helm lint --strict``, renders with ``helm template``, and
every rendered object validates against the Kubernetes 1.36 schemas with ``kubernetes-validate``
in strict mode: the two examples, and a model using every feature the target maps."""

from __future__ import annotations

import pytest

from tests.publish.charts import by_kind, helm, helm_template, required_settings, validate_strictly
from tests.publish.models import builder_in, publish_model
from tests.publish.trees import copy_example, publish_cli


@pytest.mark.parametrize("example", ["shop", "orders"])
def test_the_examples_charts_lint_render_and_validate_strictly(tmp_path, example):
    app = copy_example(example, tmp_path)
    chart = app / "publish"
    assert publish_cli(app, chart, target="kubernetes").returncode == 0
    lint = helm("lint", "--strict", str(chart), *required_settings(chart))
    assert lint.returncode == 0, lint.stdout + lint.stderr
    objects = helm_template(chart)
    validate_strictly(objects)
    kinds = sorted({o["kind"] for o in objects})
    assert kinds == (
        ["ConfigMap", "Deployment", "Service"]
        if example == "shop"
        else ["ConfigMap", "Deployment", "Job", "Secret", "Service", "StatefulSet"]
    )


def test_a_chart_installed_without_its_secrets_stops_naming_each_value_to_set(tmp_path):
    app = copy_example("orders", tmp_path)
    chart = app / "publish"
    assert publish_cli(app, chart, target="kubernetes").returncode == 0
    result = helm("template", "release", str(chart))
    assert result.returncode != 0
    assert "secrets.pg_password is not set: parameter pg-password; give it with --set secrets.pg_password=..." in result.stderr


def test_a_model_using_every_mapped_feature_renders_objects_that_validate_strictly(tmp_path):
    root = tmp_path / "app"
    b = builder_in(root)
    (root / "img").mkdir()
    (root / "img" / "Dockerfile").write_text("FROM scratch\n")
    token = b.add_parameter("token", secret=True)
    level = b.add_parameter("level", value="debug")
    b.add_connection_string("legacy")
    cluster = b.add_k3s_cluster("dev")
    dns = (
        b.add_container("dns", "docker.io/coredns/coredns", tag="1.11")
        .with_endpoint("dns", port=5353, target_port=53, protocol="udp")
        .with_volume(None, "/tmp/cache")
        .with_volume("zones", "/zones", read_only=True)
        .with_exec_health_check("/coredns", "-version")
        .with_restart_policy("always")
        .with_stop_grace_period(12)
        .with_entrypoint("/coredns")
        .with_args("-conf", "/etc/coredns/Corefile", "-log", level, "--token", token, "--price", "$5 {{ not a template }}")
    )
    built = (
        b.add_dockerfile("built", "./img")
        .with_http_endpoint(target_port=80, env="PORT")
        .with_https_endpoint(name="admin", target_port=443)
        .with_volume("zones", "/zones")
        .with_http_health_check("/ready", endpoint_name="admin")
        .with_env("KUBECONFIG", cluster.output("kubeconfig"))
        .wait_for(dns)
    )
    b.add_python_app("web", ".", "web.py").with_replicas(3).with_tcp_health_check().with_http_endpoint(env="PORT").with_reference(built).with_reference(cluster).wait_for_start(built)
    publish_model(b, tmp_path / "out", "kubernetes")
    chart = tmp_path / "out"
    lint = helm("lint", "--strict", str(chart), *required_settings(chart))
    assert lint.returncode == 0, lint.stdout + lint.stderr
    objects = by_kind(helm_template(chart))
    validate_strictly(list(objects.values()))

    zones = objects[("PersistentVolumeClaim", "zones")]
    assert zones["spec"]["resources"]["requests"]["storage"] == "1Gi", "a volume of two services is one claim"
    dns_pod = objects[("Deployment", "dns")]["spec"]["template"]["spec"]
    container = dns_pod["containers"][0]
    assert container["command"] == ["/coredns"]
    assert container["args"] == [
        "-conf", "/etc/coredns/Corefile", "-log", "debug", "--token", "$(TOKEN)", "--price", "$$5 {{ not a template }}",
    ], "a secret argument is read from the container's environment; literal $ is escaped for Kubernetes"  # fmt: skip
    assert objects[("Secret", "dns-secret")]["stringData"] == {"TOKEN": "set-at-install-token"}
    assert container["ports"] == [{"name": "dns", "containerPort": 53, "protocol": "UDP"}]
    assert container["readinessProbe"]["exec"] == {"command": ["/coredns", "-version"]}
    assert {"name": "scratch-0", "emptyDir": {}} in dns_pod["volumes"]
    assert dns_pod["terminationGracePeriodSeconds"] == 12
    built_container = objects[("Deployment", "built")]["spec"]["template"]["spec"]["containers"][0]
    assert built_container["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "admin", "scheme": "HTTPS"}
    assert objects[("ConfigMap", "built-config")]["data"]["KUBECONFIG"] == "set-at-install-dev_kubeconfig", "an output of an external dependency is a value"
    web = objects[("Deployment", "web")]
    assert web["spec"]["replicas"] == 3
    assert web["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["tcpSocket"] == {"port": "http"}
    assert ("Deployment", "dev") not in objects and ("StatefulSet", "dev") not in objects, "a k3s cluster is external"
