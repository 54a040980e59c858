"""What ``add_redis`` puts in the model, checked without starting anything: the official image,
the endpoint, the password parameter (generated, secret, a child of the server) kept out of the
command line, persistence only with a data volume whose name is stable per app host, the
connection string's form, and a clear problem for a password that is not a parameter."""

from __future__ import annotations

from pyspire import DistributedApplication
from pyspire.extensions import parent_of, render_launch
from pyspire.integrations.redis import RedisBuilder, RedisResource
from pyspire.model.resources import ParameterResource
from tests.model.model_problems import problems_of
from tests.model.test_render_without_running import ComposeContext


def test_add_redis_runs_the_official_image_with_a_generated_secret_password_shown_as_its_child(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    cache = b.add_redis("cache")
    assert isinstance(cache, RedisBuilder) and isinstance(cache.resource, RedisResource)
    assert cache.resource.image.reference == "docker.io/library/redis:7.4"
    [endpoint] = cache.resource.endpoints
    assert (endpoint.name, endpoint.target_port, endpoint.port) == ("tcp", 6379, None)
    [parameter] = [r for r in b.resources if r.name == "cache-password"]
    assert isinstance(parameter, ParameterResource)
    assert parameter.secret and parameter.generate is not None and parameter.default_value is None
    assert parent_of(parameter) is cache.resource


def test_with_image_and_port_override_the_defaults(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    cache = b.add_redis("cache", port=16379).with_image("localhost/my/redis:7.2")
    assert cache.resource.image.reference == "localhost/my/redis:7.2"
    assert cache.resource.endpoints[0].port == 16379


def test_a_given_password_parameter_is_used_and_none_is_generated(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    secret = b.add_parameter("shared-secret", secret=True)
    cache = b.add_redis("cache", password=secret)
    assert cache.resource.password is secret.resource
    assert [r.name for r in b.resources] == ["shared-secret", "cache"]
    rendered = render_launch(cache.resource, ComposeContext(cache.resource))
    assert rendered.env["REDIS_PASSWORD"] == "${SHARED_SECRET}"


def test_the_server_command_reads_the_password_from_env_and_saves_only_with_a_data_volume(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    plain = b.add_redis("plain").with_args("--maxmemory", "64mb")
    kept = b.add_redis("kept").with_data_volume()
    plain_launch = render_launch(plain.resource, ComposeContext(plain.resource))
    kept_launch = render_launch(kept.resource, ComposeContext(kept.resource))

    assert plain.resource.entrypoint == "/bin/sh"
    assert plain_launch.args[0] == "-c"
    assert plain_launch.args[1].startswith('exec redis-server --requirepass "$$REDIS_PASSWORD" ')
    assert plain_launch.args[2:] == ["redis-server", "--maxmemory", "64mb"], "with_args reach redis-server"
    assert "--save '' --appendonly no" in plain_launch.args[1]
    assert "--dir /data --save 60 1 --appendonly yes" in kept_launch.args[1]
    assert plain_launch.env["REDIS_PASSWORD"] == "${PLAIN_PASSWORD}" and "REDIS_PASSWORD" in plain_launch.secret_env
    [mount] = kept.resource.mounts
    assert (mount.kind, mount.target) == ("volume", "/data")
    assert plain.resource.mounts == []


def test_the_default_data_volume_name_is_stable_per_app_host_and_differs_between_app_hosts(tmp_path):
    def volume(app_dir):
        b = DistributedApplication.create_builder(app_dir=app_dir)
        return b.add_redis("cache").with_data_volume().resource.mounts[0].source

    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    assert volume(tmp_path / "one") == volume(tmp_path / "one")
    assert volume(tmp_path / "one") != volume(tmp_path / "two")
    assert volume(tmp_path / "one").startswith("one-") and volume(tmp_path / "one").endswith("-cache-data")
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    assert b.add_redis("cache").with_data_volume("my-data").resource.mounts[0].source == "my-data"


def test_the_connection_string_is_a_redis_url_of_the_password_and_the_endpoint(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    cache = b.add_redis("cache")
    api = b.add_executable("api", "python", ".", "api.py").with_reference(cache)
    rendered = render_launch(api.resource, ComposeContext(api.resource))
    assert rendered.env["ConnectionStrings__cache"] == "redis://:${CACHE_PASSWORD}@${CACHE_TCP_HOST}:${CACHE_TCP_PORT}"
    assert "ConnectionStrings__cache" in rendered.secret_env
    assert set(cache.resource.connection_properties or {}) == {"HOST", "PORT", "PASSWORD", "URI"}


def test_a_password_that_is_not_a_parameter_is_reported_with_the_fix(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_redis("cache", password="hunter2")  # type: ignore[arg-type]
    [problem] = problems_of(b)
    assert "add_redis password" in problem and "cache" in problem
    assert "add_parameter('cache-password', secret=True)" in problem
    assert "hunter2" not in problem


def test_a_password_parameter_that_is_not_secret_is_refused_so_it_never_shows_in_clear(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_redis("cache", password=b.add_parameter("cache-pw", value="hunter22"))
    [problem] = problems_of(b)
    assert "add_redis password" in problem and "is not a secret parameter" in problem
    assert "hunter22" not in problem
