"""The container part of the model: image parsing, builder defaults and container validation.

Pure model tests: nothing is pulled, built or started.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import pyspire
from pyspire import DistributedApplication, ModelError, ModelProblem
from pyspire.model.container_builder import ContainerBuilder
from pyspire.model.containers import (
    BuildSecretAnnotation,
    DockerfileBuildAnnotation,
    ImagePullPolicyAnnotation,
    LifetimeAnnotation,
)
from pyspire.model.lifecycle import HealthCheckAnnotation
from pyspire.model.resources import ContainerResource


def new_builder(tmp_path: Path):
    return DistributedApplication.create_builder([], app_dir=tmp_path)


def problems_of(builder) -> list[ModelProblem]:
    with pytest.raises(ModelError) as caught:
        builder.build()
    return caught.value.problems


def only_problem(builder) -> ModelProblem:
    problems = problems_of(builder)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def container(builder, name: str) -> ContainerResource:
    resource = builder.build_model().get(name)
    assert isinstance(resource, ContainerResource)
    return resource


# -- image references ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "tag", "reference"),
    [
        ("redis", None, "redis:latest"),
        ("redis:7.4", None, "redis:7.4"),
        ("redis", "7", "redis:7"),
        ("redis:7.4", "8", "redis:8"),
        ("localhost:5000/team/app", None, "localhost:5000/team/app:latest"),
        ("localhost:5000/team/app:1.2", None, "localhost:5000/team/app:1.2"),
        ("docker.io/library/redis:7", None, "docker.io/library/redis:7"),
    ],
)
def test_add_container_image_and_tag(tmp_path, image, tag, reference):
    b = new_builder(tmp_path)
    b.add_container("r", image, tag=tag)
    assert container(b, "r").image.reference == reference


def test_registry_port_is_not_a_tag(tmp_path):
    b = new_builder(tmp_path)
    b.add_container("r", "localhost:5000/team/app")
    image = container(b, "r").image
    assert image.image == "localhost:5000/team/app"
    assert image.tag == "latest"


@pytest.mark.parametrize(
    "image",
    [
        "redis@sha256:" + "a" * 64,
        "redis:7.4@sha256:" + "b" * 64,
        "localhost:5000/team/app@sha256:" + "c" * 64,
    ],
)
def test_digest_references_stay_as_given(tmp_path, image):
    b = new_builder(tmp_path)
    b.add_container("r", image)
    assert container(b, "r").image.reference == image
    b.build()


def test_with_image_registry(tmp_path):
    b = new_builder(tmp_path)
    b.add_container("r", "redis:7.4").with_image_registry("ghcr.io")
    assert container(b, "r").image.reference == "ghcr.io/redis:7.4"


def test_with_image_registry_trailing_slash(tmp_path):
    b = new_builder(tmp_path)
    b.add_container("r", "redis:7.4").with_image_registry("ghcr.io/")
    assert container(b, "r").image.reference == "ghcr.io/redis:7.4"


def test_with_image_replaces_image_and_keeps_registry(tmp_path):
    b = new_builder(tmp_path)
    r = b.add_container("r", "redis:7.4").with_image_registry("ghcr.io").with_image("other:2")
    assert r.resource.image.reference == "ghcr.io/other:2"
    r.with_image("third", tag="3")
    assert r.resource.image.reference == "ghcr.io/third:3"
    r.with_image("fourth")
    assert r.resource.image.reference == "ghcr.io/fourth:latest"


def test_with_image_tag(tmp_path):
    b = new_builder(tmp_path)
    b.add_container("r", "redis:7.4").with_image_tag("8.0")
    assert container(b, "r").image.reference == "redis:8.0"


# -- add_dockerfile -----------------------------------------------------------------------------


def test_add_dockerfile_image_and_build_annotation(tmp_path):
    app_dir = tmp_path.resolve()
    b = new_builder(tmp_path)
    b.add_dockerfile("web", "./web", dockerfile="Dockerfile.dev", stage="runtime")
    resource = container(b, "web")
    assert resource.image.reference == "localhost/pyspire-build/web:latest"
    build = resource.build
    assert build == DockerfileBuildAnnotation(app_dir / "web", app_dir / "web" / "Dockerfile.dev", "runtime")
    assert build.context.is_absolute()


def test_add_dockerfile_defaults(tmp_path):
    b = new_builder(tmp_path)
    b.add_dockerfile("web", "web")
    build = container(b, "web").build
    assert build is not None
    assert build.context == tmp_path.resolve() / "web"
    assert build.dockerfile is None
    assert build.stage is None


def test_add_dockerfile_absolute_context(tmp_path):
    context = tmp_path.resolve() / "elsewhere"
    b = new_builder(tmp_path / "app")
    b.add_dockerfile("web", context)
    assert container(b, "web").build.context == context


def test_image_container_has_no_build(tmp_path):
    b = new_builder(tmp_path)
    b.add_container("r", "redis")
    assert container(b, "r").build is None


# -- defaults and simple settings ---------------------------------------------------------------


def test_defaults(tmp_path):
    b = new_builder(tmp_path)
    b.add_container("r", "redis")
    resource = container(b, "r")
    assert resource.pull_policy == "missing"
    assert resource.lifetime == "session"
    assert resource.persistent is False
    assert resource.entrypoint is None
    assert resource.container_name is None
    assert resource.mounts == []
    assert resource.runtime_args == ()
    assert resource.resource_type == "Container"


def test_settings_are_recorded(tmp_path):
    b = new_builder(tmp_path)
    r = (
        b.add_container("r", "redis")
        .with_lifetime("persistent")
        .with_container_name("my-redis")
        .with_entrypoint("/bin/sh")
        .with_image_pull_policy("never")
    )
    assert isinstance(r, ContainerBuilder)
    resource = container(b, "r")
    assert resource.lifetime == "persistent"
    assert resource.persistent is True
    assert resource.container_name == "my-redis"
    assert resource.entrypoint == "/bin/sh"
    assert resource.pull_policy == "never"
    b.build()


def test_later_calls_override_earlier_ones(tmp_path):
    b = new_builder(tmp_path)
    b.add_container("r", "redis").with_lifetime("persistent").with_lifetime("session").with_entrypoint(
        "a"
    ).with_entrypoint("b")
    resource = container(b, "r")
    assert resource.lifetime == "session"
    assert resource.entrypoint == "b"


def test_runtime_args_accumulate(tmp_path):
    b = new_builder(tmp_path)
    b.add_container("r", "redis").with_container_runtime_args(
        "--cap-add", "NET_ADMIN"
    ).with_container_runtime_args("--shm-size=1g")
    assert container(b, "r").runtime_args == ("--cap-add", "NET_ADMIN", "--shm-size=1g")


def test_bind_mount_relative_source_resolves_against_app_dir(tmp_path):
    b = new_builder(tmp_path)
    b.add_container("r", "redis").with_bind_mount("./data", "/data", read_only=True)
    (mount,) = container(b, "r").mounts
    assert mount.kind == "bind"
    assert mount.source == str(tmp_path.resolve() / "data")
    assert mount.target == "/data"
    assert mount.read_only is True


def test_bind_mount_absolute_source_is_kept(tmp_path):
    b = new_builder(tmp_path / "app")
    b.add_container("r", "redis").with_bind_mount(tmp_path.resolve(), "/host")
    (mount,) = container(b, "r").mounts
    assert mount.source == str(tmp_path.resolve())


def test_named_and_anonymous_volumes(tmp_path):
    b = new_builder(tmp_path)
    b.add_container("r", "redis").with_volume("redis-data", "/data").with_volume(None, "/x")
    named, anonymous = container(b, "r").mounts
    assert (named.kind, named.source, named.target, named.read_only) == (
        "volume",
        "redis-data",
        "/data",
        False,
    )
    assert (anonymous.kind, anonymous.source, anonymous.target) == ("volume", None, "/x")
    b.build()


# -- build secrets ------------------------------------------------------------------------------


def test_build_secret_path_is_a_file_resolved_against_app_dir(tmp_path):
    b = new_builder(tmp_path)
    b.add_dockerfile("web", "web").with_build_secret("npmrc", Path("secrets/npmrc"))
    (secret,) = container(b, "web").annotations_of(BuildSecretAnnotation)
    assert secret.name == "npmrc"
    assert secret.file == tmp_path.resolve() / "secrets" / "npmrc"
    assert secret.value is None


def test_build_secret_parameter_is_a_value(tmp_path):
    b = new_builder(tmp_path)
    token = b.add_parameter("token", secret=True)
    b.add_dockerfile("web", "web").with_build_secret("token", token)
    (secret,) = container(b, "web").annotations_of(BuildSecretAnnotation)
    assert secret.file is None
    assert secret.value is token.resource


def test_build_secret_string_is_a_value_not_a_file(tmp_path):
    b = new_builder(tmp_path)
    b.add_dockerfile("web", "web").with_build_secret("token", "secrets/npmrc")
    (secret,) = container(b, "web").annotations_of(BuildSecretAnnotation)
    assert secret.file is None
    assert secret.value == "secrets/npmrc"


# -- validation ---------------------------------------------------------------------------------


def test_container_endpoint_needs_target_port(tmp_path):
    b = new_builder(tmp_path)
    b.add_container("r", "redis").with_endpoint("tcp", port=6379)
    problem = only_problem(b)
    assert problem.resource == "r"
    assert problem.field == "endpoint 'tcp' target_port"
    assert "target_port" in problem.message and "inside the container" in problem.message


def test_bind_mount_source_must_exist(tmp_path):
    b = new_builder(tmp_path)
    b.add_container("r", "redis").with_bind_mount("missing", "/data")
    problem = only_problem(b)
    assert problem.resource == "r"
    assert problem.field == "bind mount '/data' source"
    assert str(tmp_path.resolve() / "missing") in problem.message
    assert "does not exist" in problem.message


def test_mount_target_must_be_absolute(tmp_path):
    (tmp_path / "data").mkdir()
    b = new_builder(tmp_path)
    b.add_container("r", "redis").with_bind_mount("data", "data").with_volume("v", "relative/path")
    problems = problems_of(b)
    assert {(p.resource, p.field) for p in problems} == {
        ("r", "bind mount 'data'"),
        ("r", "volume 'relative/path'"),
    }
    assert all("absolute path" in p.message for p in problems)


@pytest.mark.parametrize("volume", ["bad name", "-leading", "a/b", "ünïcode"])
def test_bad_volume_name(tmp_path, volume):
    b = new_builder(tmp_path)
    b.add_container("r", "redis").with_volume(volume, "/data")
    problem = only_problem(b)
    assert (problem.resource, problem.field) == ("r", "volume '/data' name")
    assert "letters, digits" in problem.message


@pytest.mark.parametrize("name", ["my container", "-redis", "redis/1", ""])
def test_bad_container_name(tmp_path, name):
    b = new_builder(tmp_path)
    b.add_container("r", "redis").with_container_name(name)
    problem = only_problem(b)
    assert (problem.resource, problem.field) == ("r", "container_name")
    assert "letters, digits" in problem.message


@pytest.mark.parametrize("name", ["redis-1", "Redis_1.a", "0abc"])
def test_good_container_names(tmp_path, name):
    b = new_builder(tmp_path)
    b.add_container("r", "redis").with_container_name(name)
    b.build()


@pytest.mark.parametrize("image", ["Redis", "library/Redis:7", "-redis"])
def test_invalid_image_reference(tmp_path, image):
    b = new_builder(tmp_path)
    b.add_container("r", image)
    problem = only_problem(b)
    assert (problem.resource, problem.field) == ("r", "image")
    assert "lowercase" in problem.message


def test_invalid_image_tag(tmp_path):
    b = new_builder(tmp_path)
    b.add_container("r", "redis:7 beta")
    problem = only_problem(b)
    assert (problem.resource, problem.field) == ("r", "image tag")
    assert "'7 beta' is not a tag" in problem.message


@pytest.mark.parametrize("image", ["mcr.microsoft.com/mssql/server:2022-CU10-ubuntu-22.04", "app:V1"])
def test_uppercase_tag_is_a_valid_image(tmp_path, image):
    b = new_builder(tmp_path)
    b.add_container("r", image)
    b.build()


def test_bad_pull_policy_and_lifetime(tmp_path):
    b = new_builder(tmp_path)
    r = b.add_container("r", "redis")
    r.resource.annotations.append(ImagePullPolicyAnnotation("sometimes"))  # type: ignore[arg-type]
    r.resource.annotations.append(LifetimeAnnotation("forever"))  # type: ignore[arg-type]
    problems = {p.field: p for p in problems_of(b)}
    assert set(problems) == {"image_pull_policy", "lifetime"}
    assert all(p.resource == "r" for p in problems.values())
    assert "'sometimes'" in problems["image_pull_policy"].message
    assert "missing, always, never" in problems["image_pull_policy"].message
    assert "'forever'" in problems["lifetime"].message
    assert "'session' or 'persistent'" in problems["lifetime"].message


def test_build_inputs_need_a_dockerfile(tmp_path):
    b = new_builder(tmp_path)
    b.add_container("r", "redis").with_build_arg("VERSION", "1").with_build_secret("token", "s3cret")
    problems = problems_of(b)
    assert {(p.resource, p.field) for p in problems} == {
        ("r", "with_build_arg('VERSION')"),
        ("r", "with_build_secret('token')"),
    }
    assert all("add_dockerfile" in p.message for p in problems)


def test_dockerfile_context_must_exist(tmp_path):
    b = new_builder(tmp_path)
    b.add_dockerfile("web", "missing").with_build_secret("npmrc", Path("also-missing"))
    problem = only_problem(b)  # the rest is unchecked until the context exists
    assert (problem.resource, problem.field) == ("web", "build context")
    assert str(tmp_path.resolve() / "missing") in problem.message
    assert "not a folder" in problem.message


def test_dockerfile_context_that_is_a_file(tmp_path):
    (tmp_path / "web").write_text("")
    b = new_builder(tmp_path)
    b.add_dockerfile("web", "web")
    problem = only_problem(b)
    assert (problem.resource, problem.field) == ("web", "build context")


def test_dockerfile_must_exist(tmp_path):
    (tmp_path / "web").mkdir()
    b = new_builder(tmp_path)
    b.add_dockerfile("web", "web")
    problem = only_problem(b)
    assert (problem.resource, problem.field) == ("web", "dockerfile")
    assert str(tmp_path.resolve() / "web" / "Dockerfile") in problem.message
    assert "dockerfile=" in problem.message


def test_named_dockerfile_must_exist(tmp_path):
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "Dockerfile").write_text("FROM scratch\n")
    b = new_builder(tmp_path)
    b.add_dockerfile("web", "web", dockerfile="Dockerfile.dev")
    problem = only_problem(b)
    assert (problem.resource, problem.field) == ("web", "dockerfile")
    assert "Dockerfile.dev" in problem.message


def test_build_secret_file_must_exist(tmp_path):
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "Dockerfile").write_text("FROM scratch\n")
    b = new_builder(tmp_path)
    b.add_dockerfile("web", "web").with_build_secret("npmrc", Path("npmrc"))
    problem = only_problem(b)
    assert (problem.resource, problem.field) == ("web", "with_build_secret('npmrc')")
    assert str(tmp_path.resolve() / "npmrc") in problem.message


def test_valid_dockerfile_build_passes(tmp_path):
    web = tmp_path / "web"
    web.mkdir()
    (web / "Dockerfile").write_text("FROM scratch\n")
    (web / "Dockerfile.dev").write_text("FROM scratch\n")
    (tmp_path / "npmrc").write_text("token\n")
    b = new_builder(tmp_path)
    version = b.add_parameter("version", "1")
    b.add_dockerfile("web", "web").with_build_arg("VERSION", version).with_build_secret(
        "npmrc", Path("npmrc")
    ).with_build_secret("token", "s3cret")
    b.add_dockerfile("dev", "web", dockerfile="Dockerfile.dev", stage="dev")
    b.build()


def test_exec_health_check_on_an_executable_is_rejected(tmp_path):
    b = new_builder(tmp_path)
    api = b.add_executable("api", "python", ".")
    api.resource.annotations.append(HealthCheckAnnotation("ping", "exec", command=("true",)))
    problem = only_problem(b)
    assert (problem.resource, problem.field) == ("api", "health check 'ping'")
    assert "inside a container" in problem.message
    assert "http, tcp or custom" in problem.message


def test_exec_health_check_needs_a_command(tmp_path):
    b = new_builder(tmp_path)
    b.add_container("r", "redis").with_exec_health_check(name="ping")
    problem = only_problem(b)
    assert (problem.resource, problem.field) == ("r", "health check 'ping'")
    assert "empty" in problem.message


def test_exec_health_check_default_name(tmp_path):
    b = new_builder(tmp_path)
    b.add_container("r", "redis").with_exec_health_check("redis-cli", "ping")
    (check,) = container(b, "r").annotations_of(HealthCheckAnnotation)
    assert check == HealthCheckAnnotation("exec:redis-cli ping", "exec", command=("redis-cli", "ping"))


def test_container_cannot_reach_proxyless_localhost_endpoint(tmp_path):
    b = new_builder(tmp_path)
    api = b.add_executable("api", "python", ".").with_endpoint("http", scheme="http", proxied=False)
    b.add_container("web", "nginx").with_reference(api)
    problem = only_problem(b)
    assert (problem.resource, problem.field) == ("web", "with_reference('api')")
    assert "api/http" in problem.message
    assert "target_host='*'" in problem.message


def test_container_cannot_reach_proxyless_localhost_endpoint_by_endpoint_reference(tmp_path):
    b = new_builder(tmp_path)
    api = (
        b.add_executable("api", "python", ".")
        .with_http_endpoint()
        .with_endpoint("admin", scheme="http", proxied=False)
    )
    b.add_container("ok", "nginx").with_reference(api.get_endpoint("http"))
    b.add_container("bad", "nginx").with_reference(api.get_endpoint("admin"))
    problem = only_problem(b)
    assert (problem.resource, problem.field) == ("bad", "with_reference('api')")
    assert "api/admin" in problem.message


def test_container_env_cannot_use_proxyless_localhost_endpoint(tmp_path):
    b = new_builder(tmp_path)
    api = b.add_executable("api", "python", ".").with_endpoint("http", scheme="http", proxied=False)
    b.add_container("web", "nginx").with_env("API_URL", api.get_endpoint("http"))
    problem = only_problem(b)
    assert problem.resource == "web"
    assert "target_host='*'" in problem.message


@pytest.mark.parametrize("host", ["*", "+", "0.0.0.0"])
def test_container_can_reach_proxyless_endpoint_on_all_interfaces(tmp_path, host):
    b = new_builder(tmp_path)
    api = b.add_executable("api", "python", ".").with_endpoint(
        "http", scheme="http", proxied=False, target_host=host
    )
    b.add_container("web", "nginx").with_reference(api)
    b.build()


def test_process_may_reference_proxyless_localhost_endpoint(tmp_path):
    b = new_builder(tmp_path)
    api = b.add_executable("api", "python", ".").with_endpoint("http", scheme="http", proxied=False)
    b.add_executable("worker", "python", ".").with_reference(api)
    b.build()


def test_container_problems_are_reported_together(tmp_path):
    b = new_builder(tmp_path)
    api = b.add_executable("api", "python", ".").with_endpoint("http", scheme="http", proxied=False)
    api.resource.annotations.append(HealthCheckAnnotation("ping", "exec", command=("true",)))
    (
        b.add_container("r", "Redis")
        .with_endpoint("tcp", port=6379)
        .with_bind_mount("missing", "/data")
        .with_volume("bad name", "relative")
        .with_container_name("bad name")
        .with_build_arg("X", "1")
        .with_exec_health_check(name="empty")
        .with_reference(api)
    )
    b.add_dockerfile("web", "no-such-context")
    problems = problems_of(b)
    assert {(p.resource, p.field) for p in problems} == {
        ("api", "health check 'ping'"),
        ("r", "image"),
        ("r", "endpoint 'tcp' target_port"),
        ("r", "bind mount '/data' source"),
        ("r", "volume 'relative'"),
        ("r", "volume 'relative' name"),
        ("r", "container_name"),
        ("r", "with_build_arg('X')"),
        ("r", "health check 'empty'"),
        ("r", "with_reference('api')"),
        ("web", "build context"),
    }
    assert all(p.message for p in problems)


def test_valid_container_app_builds(tmp_path):
    (tmp_path / "conf").mkdir()
    b = new_builder(tmp_path)
    api = b.add_executable("api", "python", ".").with_http_endpoint(env="PORT")
    redis = (
        b.add_container("redis", "redis:7.4")
        .with_endpoint("tcp", target_port=6379)
        .with_bind_mount("conf", "/usr/local/etc/redis", read_only=True)
        .with_volume("redis-data", "/data")
        .with_volume(None, "/tmp/scratch")
        .with_exec_health_check("redis-cli", "ping")
        .with_lifetime("persistent")
        .with_container_name("pyspire-redis")
        .with_container_runtime_args("--shm-size=64m")
    )
    web = (
        b.add_container("web", "nginx")
        .with_http_endpoint(port=8080, target_port=80)
        .with_reference(api)
        .with_env("REDIS", redis.get_endpoint("tcp"))
        .wait_for(api)
    )
    api.with_reference(redis).wait_for(redis)
    b.add_executable("smoke", "python", ".").with_reference(web).wait_for(web)
    app = b.build()
    assert [r.name for r in app.model.resources] == ["api", "redis", "web", "smoke"]


def test_pyspire_reexports_container_types():
    assert pyspire.ContainerBuilder is ContainerBuilder
    assert pyspire.ContainerResource is ContainerResource
    assert "ContainerBuilder" in pyspire.__all__
    assert "ContainerResource" in pyspire.__all__


def test_container_ports_are_not_held_to_the_process_port_rules(tmp_path):
    b = new_builder(tmp_path)
    # the target port is inside the container: it may equal the proxy port, and a proxyless
    # endpoint publishes a host port that differs from it
    b.add_container("a", "redis").with_endpoint("tcp", port=6379, target_port=6379)
    b.add_container("b", "redis").with_endpoint("tcp", port=16379, target_port=6379, proxied=False)
    b.build()
