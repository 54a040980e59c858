"""Container lifecycle on real podman: mounts, volumes, builds, exec health, commands, lifetime."""

from __future__ import annotations

import uuid

import pytest

from pyspire import DistributedApplication, testing
from tests.conftest import APPS, PYTHON
from tests.containers.helpers import get_text, podman, sh

pytestmark = pytest.mark.containers


@pytest.fixture
def volume_name():
    name = f"pyspire-test-{uuid.uuid4().hex[:8]}"
    yield name
    podman("volume", "rm", "-f", name)


async def test_bind_mount_is_read_only_and_named_volume_survives_a_restart(tmp_path, volume_name):
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "greeting.txt").write_text("from-the-host\n")
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    sh(
        b,
        "store",
        "cat /in/greeting.txt; "
        "touch /in/new 2>/dev/null && echo writable || echo read-only; "
        "echo run >> /data/runs; echo runs=$(wc -l < /data/runs); sleep 600",
    ).with_bind_mount("shared", "/in", read_only=True).with_volume(volume_name, "/data")
    async with testing.start(b) as app:
        await app.wait_for_log("store", "runs=1", timeout=30)
        text = app.log_text("store")
        assert "from-the-host" in text and "read-only" in text
        assert not (shared / "new").exists()
        result = await app.execute_command("store", "restart")
        assert result.success, result.message
        # a new container, the same volume: the first run's line is still there
        await app.wait_for_log("store", "runs=2", timeout=30)
    assert volume_name in podman("volume", "ls", "--format", "{{.Name}}").split()  # kept after the run


async def test_dockerfile_build_with_build_arg_and_a_failing_build(tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    (good / "Dockerfile").write_text(
        "FROM localhost/pyspire-test/busybox:latest\n"
        "ARG FLAVOUR\n"
        'RUN echo "flavour=$FLAVOUR" > /flavour.txt\n'
        'CMD ["cat", "/flavour.txt"]\n'
    )
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "Dockerfile").write_text(
        "FROM localhost/pyspire-test/busybox:latest\nRUN echo about to fail && false\n"
    )
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_dockerfile("built", "good").with_build_arg("FLAVOUR", "mango")
    b.add_dockerfile("broken", "bad")
    seen_states: list[str] = []
    async with testing.start(b) as app:
        snapshot = await app.wait_for_resource("built", "Finished", timeout=120)
        assert snapshot.exit_code == 0
        assert "flavour=mango" in app.log_text("built")
        failed = await app.wait_for_resource("broken", "FailedToStart", timeout=120)
        assert "build failed" in failed.state_message
        # the build output streamed into the resource's log
        assert "about to fail" in app.log_text("broken")
        del seen_states
    podman("rmi", "-f", "localhost/pyspire-build/built:latest", "localhost/pyspire-build/broken:latest")


async def test_exec_health_check_gates_a_dependent(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    slow = (
        sh(b, "slow", "sleep 1.5; touch /tmp/ready; sleep 600")
        .with_exec_health_check("test", "-f", "/tmp/ready")
    )
    b.add_executable("after", PYTHON, APPS, "http_env.py").with_http_endpoint(env="PORT").wait_for(slow)
    async with testing.start(b) as app:
        running = await app.wait_for_resource("slow")
        assert running.health_status == "Unhealthy"
        assert app.resource("after").state == "Waiting"
        healthy = await app.wait_for_healthy("slow", timeout=30)
        after = await app.wait_for_resource("after", timeout=30)
        assert after.started_at >= healthy.started_at


async def test_stop_start_restart_commands(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    (
        sh(b, "web", "echo up-$(hostname) > /www/index.html; exec httpd -f -p 80 -h /www")
        .with_http_endpoint(target_port=80)
    )
    async with testing.start(b) as app:
        first = await app.wait_for_resource("web")
        url = app.endpoint_url("web")
        before = await get_text(url)
        assert (await app.execute_command("web", "stop")).success
        stopped = app.resource("web")
        assert stopped.state == "Exited"
        assert (await app.execute_command("web", "start")).success
        second = await app.wait_for_resource("web")
        assert second.replicas[0].container_id != first.replicas[0].container_id
        after = await get_text(url)  # the same proxy port serves the new container
        assert after.startswith("up-") and after != before
        assert (await app.execute_command("web", "restart")).success
        third = await app.wait_for_resource("web")
        assert third.replicas[0].container_id not in (first.replicas[0].container_id, second.replicas[0].container_id)
        assert await get_text(url) not in (before, after)
