"""Images and networking details on real podman: a real Redis end to end, proxyless ports,
missing images, build secrets, waits from a container on a process, runtime args."""

from __future__ import annotations

import socket

import pytest

from pyspire import DistributedApplication, testing
from tests.conftest import APPS, PYTHON
from tests.containers.helpers import REDIS, get_text, podman, sh

pytestmark = pytest.mark.containers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_redis_end_to_end_with_exec_health_check(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    redis = (
        b.add_container("redis", REDIS)
        .with_endpoint("tcp", target_port=6379)
        .with_exec_health_check("redis-cli", "ping")
        .with_stop_grace_period(2)
    )
    b.add_executable("client", PYTHON, APPS, "redis_client.py").with_reference(redis).wait_for(redis)
    async with testing.start(b) as app:
        done = await app.wait_for_resource("client", "Finished", timeout=60)
        assert done.exit_code == 0
        assert "'$5', 'world'" in app.log_text("client")
        assert app.resource("redis").health_status == "Healthy"


async def test_proxyless_container_endpoint_publishes_the_host_port(tmp_path):
    port = free_port()
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    sh(b, "direct", "echo direct > /www/index.html; exec httpd -f -p 80 -h /www").with_http_endpoint(
        port=port, target_port=80, proxied=False
    )
    async with testing.start(b) as app:
        await app.wait_for_resource("direct")
        assert app.endpoint_url("direct") == f"http://localhost:{port}"
        assert await get_text(f"http://127.0.0.1:{port}/") == "direct"
        published = podman("port", app.resource("direct").replicas[0].container_id)
        assert f"127.0.0.1:{port}" in published


async def test_missing_images_fail_to_start_with_the_engines_message(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_container("offline", "localhost/pyspire-test/nope", tag="1").with_image_pull_policy("never")
    b.add_container("unpullable", "localhost/pyspire-test/nope", tag="2")
    b.add_executable("api", PYTHON, APPS, "http_env.py").with_http_endpoint(env="PORT")
    async with testing.start(b) as app:
        never = await app.wait_for_resource("offline", "FailedToStart", timeout=60)
        assert "not present locally" in never.state_message and "'never'" in never.state_message
        pulled = await app.wait_for_resource("unpullable", "FailedToStart", timeout=60)
        assert "pull" in pulled.state_message and "localhost/pyspire-test/nope:2" in pulled.state_message
        assert "pulling localhost/pyspire-test/nope:2" in app.log_text("unpullable")
        assert (await app.wait_for_resource("api")).state == "Running"


async def test_build_secret_reaches_the_build_but_not_the_logs(tmp_path):
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "Dockerfile").write_text(
        "FROM localhost/pyspire-test/busybox:latest\n"
        "RUN --mount=type=secret,id=token wc -c < /run/secrets/token > /token-length\n"
        'CMD ["cat", "/token-length"]\n'
    )
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    token = b.add_parameter("token", "very-secret-token", secret=True)
    b.add_dockerfile("secretive", "ctx").with_build_secret("token", token)
    async with testing.start(b) as app:
        done = await app.wait_for_resource("secretive", "Finished", timeout=120)
        assert done.exit_code == 0
        assert any(line.text.strip() == "17" for line in app.logs("secretive"))  # len("very-secret-token")
        assert "very-secret-token" not in app.log_text("secretive")
    # the file that carried the secret to the engine is gone with the run
    assert not list((tmp_path / ".pyspire" / "secrets").rglob("*token*"))
    podman("rmi", "-f", "localhost/pyspire-build/secretive:latest")


async def test_container_waits_for_a_process_and_takes_runtime_args(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    api = b.add_executable("api", PYTHON, APPS, "slow_healthy.py").with_http_endpoint(env="PORT")
    api.with_http_health_check("/")
    (
        sh(b, "after", "echo host=$(hostname); sleep 600")
        .with_container_name("pyspire-test-after")
        .with_container_runtime_args("--hostname", "custom-host")
        .wait_for(api)
    )
    async with testing.start(b) as app:
        healthy = await app.wait_for_healthy("api", timeout=30)
        after = await app.wait_for_resource("after", timeout=30)
        assert after.started_at >= healthy.started_at
        await app.wait_for_log("after", "host=custom-host", timeout=30)
        assert podman("inspect", "--format", "{{.Name}}", after.replicas[0].container_id) == "pyspire-test-after"
