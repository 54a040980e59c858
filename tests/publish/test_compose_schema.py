"""Every ``compose.yaml`` pyspire writes validates against the Compose specification's schema,
checked by ``check-jsonschema --builtin-schema vendor.compose-spec`` as a real process: the two
examples, and a model using every feature the Compose target maps (ports over UDP, bind mounts,
named and anonymous volumes, exec health checks, restart and stop settings, a Dockerfile build
with arguments and a stage, replicas, external dependencies)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.publish.models import builder_in, publish_model
from tests.publish.trees import copy_example, publish_cli

CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")


def validate(compose: Path) -> subprocess.CompletedProcess[str]:
    program = str(CHECK_JSONSCHEMA) if CHECK_JSONSCHEMA.is_file() else shutil.which("check-jsonschema")
    assert program, "check-jsonschema is in the test extra: pip install -e '.[test]'"
    return subprocess.run(
        [program, "--builtin-schema", "vendor.compose-spec", str(compose)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize("example", ["shop", "orders"])
def test_the_examples_compose_files_validate_against_the_compose_spec(tmp_path, example):
    app = copy_example(example, tmp_path)
    assert publish_cli(app, app / "publish").returncode == 0
    result = validate(app / "publish" / "compose.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_model_using_every_mapped_feature_validates_against_the_compose_spec(tmp_path):
    root = tmp_path / "app"
    b = builder_in(root)
    (root / "static").mkdir()
    (root / "img").mkdir()
    (root / "img" / "Dockerfile").write_text("FROM scratch\n")
    version = b.add_parameter("version", value="1.2")
    dns = (
        b.add_container("dns", "docker.io/coredns/coredns", tag="1.11")
        .with_endpoint("dns", port=5353, target_port=53, protocol="udp")
        .with_bind_mount("./static", "/etc/coredns", read_only=True)
        .with_volume(None, "/tmp/cache")
        .with_volume("dns-zones", "/zones")
        .with_exec_health_check("/coredns", "-version")
        .with_restart_policy("always")
        .with_stop_signal("SIGQUIT")
        .with_entrypoint("/coredns")
        .with_args("-conf", "/etc/coredns/Corefile")
    )
    built = (
        b.add_dockerfile("built", "./img")
        .with_build_arg("VERSION", version)
        .with_http_endpoint(target_port=80, env="PORT")
        .wait_for(dns)
    )
    b.add_connection_string("legacy")
    b.add_k3s_cluster("dev")
    b.add_python_app("web", ".", "web.py").with_replicas(3).with_reference(built).wait_for_start(built)
    publish_model(b, tmp_path / "out")
    result = validate(tmp_path / "out" / "compose.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    text = (tmp_path / "out" / "compose.yaml").read_text()
    services = yaml.safe_load(text)["services"]
    assert services["dns"]["ports"] == ["5353:53/udp"]
    assert services["dns"]["volumes"] == ["../app/static:/etc/coredns:ro", "/tmp/cache", "dns-zones:/zones"]
    assert services["built"]["build"] == {"context": "../app/img", "args": {"VERSION": "${VERSION}"}}
    assert services["web"]["deploy"] == {"mode": "replicated", "replicas": 3}
    assert "dev" not in services, "a k3s cluster is an external dependency"
