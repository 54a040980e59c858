"""``pyspire deploy --target kubernetes`` stops before building, writing or installing anything
when it cannot succeed: images to build and no ``--registry``, a secret input with no value, a
cluster that does not answer, helm missing. Each error names what to fix. Plus the registry
option's form and the values of a deployment, from the sources ``pyspire run`` reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from pyspire.cli.deploy import DEFAULT_FOLDERS
from pyspire.deploy import MissingInputs
from pyspire.deploy.images import parse_registry
from pyspire.deploy.kubernetes import DEFAULT_FOLDER, build_arguments, fill_values
from pyspire.extensions import ConfigurationError
from pyspire.publish import render
from tests.deploy.helpers import BUSYBOX, free_port, pyspire, write_app
from tests.deploy.kube import tools_env
from tests.publish.models import builder_in
from tests.publish.trees import copy_example

UNREACHABLE_KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- name: gone
  cluster: {{server: "https://127.0.0.1:{port}", insecure-skip-tls-verify: true}}
users:
- name: someone
  user: {{token: not-a-secret}}
contexts:
- name: gone
  context: {{cluster: gone, user: someone}}
current-context: gone
"""


def test_images_to_build_and_no_registry_stop_before_anything_naming_the_registry_option(tmp_path: Path) -> None:
    app = copy_example("orders", tmp_path)
    out = tmp_path / "deploy"
    done = pyspire("deploy", "--target", "kubernetes", "-o", str(out), str(app), env=tools_env())
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--registry HOST[:PORT][/PREFIX]" in done.stderr and "migrate, api, worker, frontend" in done.stderr
    assert "nothing was built or installed" in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


def test_a_secret_parameter_without_a_value_names_it_and_where_to_set_it(tmp_path: Path) -> None:
    apphost = write_app(
        tmp_path / "app",
        f'key = builder.add_parameter("api-key", secret=True)\nbuilder.add_container("web", "{BUSYBOX}").with_env("KEY", key)\n',
    )
    out = tmp_path / "deploy"
    done = pyspire("deploy", "--target", "kubernetes", "-o", str(out), str(apphost), env=tools_env())
    assert done.returncode == 2, done.stdout + done.stderr
    assert "parameter api-key ($API_KEY)" in done.stderr and "Parameters__api-key" in done.stderr
    assert not out.exists()


def test_a_cluster_that_does_not_answer_names_the_kubeconfig_and_its_server(tmp_path: Path) -> None:
    apphost = write_app(tmp_path / "app", f'builder.add_container("web", "{BUSYBOX}")\n')
    port = free_port()
    kubeconfig = tmp_path / "gone.yaml"
    kubeconfig.write_text(UNREACHABLE_KUBECONFIG.format(port=port))
    out = tmp_path / "deploy"
    done = pyspire("deploy", "--target", "kubernetes", "-o", str(out), "--kubeconfig", str(kubeconfig), str(apphost), env=tools_env())
    assert done.returncode == 2, done.stdout + done.stderr
    message = " ".join(done.stderr.split())
    assert f"the kubeconfig {kubeconfig}" in message and f"https://127.0.0.1:{port}" in message
    assert "does not answer" in message and "--kubeconfig/--context" in message
    assert not out.exists()


def test_helm_missing_is_named_with_how_to_install_it(tmp_path: Path) -> None:
    apphost = write_app(tmp_path / "app", f'builder.add_container("web", "{BUSYBOX}")\n')
    empty = tmp_path / "bin"
    empty.mkdir()
    done = pyspire("deploy", "--target", "kubernetes", "-o", str(tmp_path / "deploy"), str(apphost), env={"PATH": str(empty)})
    assert done.returncode == 2, done.stdout + done.stderr
    message = " ".join(done.stderr.split())
    assert "helm is not on PATH" in message and "PYSPIRE_HELM" in message and "https://helm.sh/docs/intro/install/" in message


def test_compose_options_and_kubernetes_options_are_refused_on_the_other_target(tmp_path: Path) -> None:
    apphost = write_app(tmp_path / "app", f'builder.add_container("web", "{BUSYBOX}")\n')
    done = pyspire("deploy", "--target", "compose", "--registry", "127.0.0.1:5000", str(apphost))
    assert done.returncode == 2 and "--registry: not an option of --target compose" in done.stderr
    done = pyspire("deploy", "--target", "kubernetes", "--port", "web=8080", str(apphost))
    assert done.returncode == 2 and "--port: not an option of --target kubernetes" in done.stderr


@pytest.mark.parametrize(
    ("given", "address", "loopback", "repository"),
    [
        ("127.0.0.1:5000", "127.0.0.1:5000", True, "127.0.0.1:5000/orders/api"),
        ("localhost:5000/team/apps", "localhost:5000", True, "localhost:5000/team/apps/orders/api"),
        ("registry.example.com", "registry.example.com", False, "registry.example.com/orders/api"),
        ("[::1]:5000", "[::1]:5000", True, "[::1]:5000/orders/api"),
    ],
)
def test_a_registry_is_host_port_and_prefix_and_only_loopback_is_spoken_to_without_tls(
    given: str, address: str, loopback: bool, repository: str
) -> None:
    registry = parse_registry(given)
    assert (registry.address, registry.loopback, registry.repository("orders", "api")) == (address, loopback, repository)


@pytest.mark.parametrize("given", ["http://127.0.0.1:5000", "127.0.0.1:99999", "host name", ""])
def test_a_registry_given_with_a_scheme_or_a_bad_port_is_refused_naming_the_option(given: str) -> None:
    with pytest.raises(ConfigurationError, match="--registry"):
        parse_registry(given)


def test_the_deployment_values_come_from_run_mode_sources_and_keep_a_generated_password(tmp_path: Path) -> None:
    builder = builder_in(tmp_path)
    region = builder.add_parameter("region", value="eu-west-1")
    token = builder.add_parameter("api-token", secret=True)
    builder.add_postgres("pg")
    builder.add_container("web", BUSYBOX).with_env("REGION", region).with_env("TOKEN", token)
    resources = builder.build().model.resources
    published = render(resources, tmp_path, "kubernetes", tmp_path / "out" / "chart").contents["values.yaml"]
    values_path = tmp_path / "out" / "deploy-values.yaml"
    first = fill_values(published, resources, tmp_path, values_path, {"Parameters__api-token": "tok-from-env", "Parameters__region": "us-east-2"})
    assert first.document["parameters"] == {"region": "us-east-2"}
    assert first.document["secrets"]["api_token"] == "tok-from-env"
    password = first.document["secrets"]["pg_password"]
    assert len(password) >= 16 and set(first.secrets) == {"tok-from-env", password}
    values_path.parent.mkdir(parents=True)
    values_path.write_text(yaml.safe_dump(first.document))
    again = fill_values(published, resources, tmp_path, values_path, {"Parameters__api-token": "tok-from-env"})
    assert again.document["secrets"]["pg_password"] == password  # generated once, kept
    assert again.document["parameters"] == {"region": "eu-west-1"}  # no source now: the default in code, as run
    with pytest.raises(MissingInputs, match=r"parameter api-token \(\$API_TOKEN\)"):
        fill_values(published, resources, tmp_path, tmp_path / "fresh.yaml", {})


def test_the_cli_and_the_library_agree_on_the_kubernetes_default_folder() -> None:
    assert DEFAULT_FOLDERS["kubernetes"] == DEFAULT_FOLDER


def test_build_arguments_of_a_built_image_are_text_or_parameter_values_and_an_endpoint_is_refused(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "Dockerfile").write_text("FROM scratch\n")
    builder = builder_in(tmp_path)
    version = builder.add_parameter("version", value="1.2")
    other = builder.add_container("other", BUSYBOX).with_http_endpoint(target_port=80)
    web = builder.add_dockerfile("web", "./web").with_build_arg("FLAVOUR", "slim").with_build_arg("VERSION", version)
    resources = builder.build().model.resources
    assert build_arguments(resources, ["web"], {"VERSION": "1.3"}) == {"web": {"FLAVOUR": "slim", "VERSION": "1.3"}}
    web.with_build_arg("PEER", other.get_endpoint("http"))
    with pytest.raises(ConfigurationError, match=r"web: with_build_arg\('PEER'\)"):
        build_arguments(builder.build().model.resources, ["web"], {"VERSION": "1.3"})


def test_destroy_when_the_cluster_is_gone_names_it_and_keeps_the_record_for_a_later_destroy(tmp_path: Path) -> None:
    port = free_port()
    kubeconfig = tmp_path / "gone.yaml"
    kubeconfig.write_text(UNREACHABLE_KUBECONFIG.format(port=port))
    folder = tmp_path / "deploy"
    folder.mkdir()
    record = {"target": "kubernetes", "release": "web", "namespace": "web", "kubeconfig": str(kubeconfig),
              "context": "gone", "created_namespace": True, "engine": None, "images": [], "pushed": []}  # fmt: skip
    (folder / "deployment.json").write_text(json.dumps(record))  # what a deploy to that cluster recorded
    done = pyspire("destroy", "--target", "kubernetes", "-o", str(folder), env=tools_env())
    assert done.returncode == 2, done.stdout + done.stderr
    message = " ".join(done.stderr.split())
    assert f"the kubeconfig {kubeconfig}, context gone" in message and "nothing was removed" in message
    assert (folder / "deployment.json").is_file()


def test_destroy_of_a_compose_deployment_with_the_kubernetes_target_is_refused_naming_the_target(tmp_path: Path) -> None:
    folder = tmp_path / "deploy"
    folder.mkdir()
    (folder / "deployment.json").write_text(json.dumps({"project": "pyspire-app-0000", "engine": "podman", "images": []}))
    done = pyspire("destroy", "--target", "kubernetes", "-o", str(folder), env=tools_env())
    assert done.returncode == 2 and "not --target kubernetes" in done.stderr


def test_destroy_of_a_kubernetes_deployment_with_the_compose_target_is_refused_naming_the_target(tmp_path: Path) -> None:
    folder = tmp_path / "deploy"
    folder.mkdir()
    (folder / "deployment.json").write_text(json.dumps({"target": "kubernetes", "release": "web", "namespace": "web"}))
    done = pyspire("destroy", "--target", "compose", "-o", str(folder))
    assert done.returncode == 2 and "destroy it with --target kubernetes" in done.stderr and "Traceback" not in done.stderr


def test_deploying_another_release_or_namespace_from_a_folder_holding_one_is_refused_naming_destroy(tmp_path: Path) -> None:
    apphost = write_app(tmp_path / "web", f'builder.add_container("web", "{BUSYBOX}")\n')
    folder = tmp_path / "deploy"
    folder.mkdir()
    record = {"target": "kubernetes", "release": "web", "namespace": "web", "kubeconfig": None, "context": None}
    (folder / "deployment.json").write_text(json.dumps(record))  # what an earlier deploy from there recorded
    done = pyspire("deploy", "--target", "kubernetes", "-o", str(folder), "--namespace", "other", str(apphost), env=tools_env())
    assert done.returncode == 2, done.stdout + done.stderr
    message = " ".join(done.stderr.split())
    assert "holds the deployment of release web in namespace web" in message and "pyspire destroy --target kubernetes" in message
    assert sorted(p.name for p in folder.iterdir()) == ["deployment.json"]
