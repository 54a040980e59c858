"""The Redis health check sends a real PING with the password: the resource is healthy only
while Redis itself answers (the proxy in front of it accepts connections all along), and the
reason it is not names the failure without the password."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pytest

from pyspire import DistributedApplication, testing
from pyspire.extensions import HealthStatus, ResourceSnapshot
from tests.conftest import APPS, PYTHON
from tests.containers.helpers import podman
from tests.integrations.redis.helpers import IMAGE

pytestmark = pytest.mark.containers


async def snapshot_where(app, name: str, done: Callable[[ResourceSnapshot], bool], timeout: float = 30):
    async with asyncio.timeout(timeout):
        async for snap in app.executor.snapshots.watch():
            if snap.name == name and done(snap):
                return snap
    raise AssertionError("snapshot stream ended")  # pragma: no cover


async def test_redis_is_healthy_only_while_redis_answers_ping(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    cache = (
        b.add_redis("cache")
        .with_image(IMAGE)
        .with_stop_grace_period(2)
        .with_health_check_interval(healthy=0.2, unhealthy=0.1)
    )
    dump = tmp_path / "env.json"
    b.add_executable("env", PYTHON, APPS, "dump_env.py").with_reference(cache).with_env("DUMP_TO", str(dump))
    async with testing.start(b) as app:
        await app.wait_for_healthy("cache", timeout=60)
        await app.wait_for_log("env", "dumped")
        password = json.loads(dump.read_text())["env"]["CACHE_PASSWORD"]
        container = app.resource("cache").replicas[0].container_id
        assert container
        podman("pause", container)
        try:
            unhealthy = await snapshot_where(app, "cache", lambda s: s.health_status == HealthStatus.UNHEALTHY)
        finally:
            podman("unpause", container)
        [report] = [r for r in unhealthy.health_reports if r.name == "redis-ping"]
        assert report.description is not None and report.description.startswith("no answer to PING")
        assert password not in report.description
        assert unhealthy.state == "Running", "unhealthy, not stopped"
        await snapshot_where(app, "cache", lambda s: s.health_status == HealthStatus.HEALTHY)
