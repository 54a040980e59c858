"""The generated password and, with a data volume, the data outlive the container: a key
written in one run is still there after the ``restart`` command and in the next run of the app
host, which finds the same password in its settings file."""

from __future__ import annotations

import json
import stat

import pytest
import redis.asyncio

from pyspire import DistributedApplication, testing
from tests.conftest import APPS, PYTHON
from tests.containers.helpers import podman
from tests.integrations.redis.helpers import IMAGE

pytestmark = pytest.mark.containers


def app_writing(tmp_path, value: str):
    """Redis with a data volume, and a process that sets ``counter`` to ``value`` ("": only
    reads it) and dumps its environment."""
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    cache = b.add_redis("cache").with_image(IMAGE).with_data_volume().with_stop_grace_period(5)
    (
        b.add_executable("client", PYTHON, APPS.parent / "integrations" / "redis" / "apps", "redis_py_client.py")
        .with_reference(cache)
        .wait_for(cache)
        .with_env("KEY", "counter")
        .with_env("VALUE", value)
    )
    dump = tmp_path / f"env-{value or 'read'}.json"
    b.add_executable("env", PYTHON, APPS, "dump_env.py").with_reference(cache).with_env("DUMP_TO", str(dump))
    return b, cache, dump


async def test_with_a_data_volume_a_key_outlives_restart_and_the_next_run_with_the_same_password(tmp_path, volumes):
    b, cache, first_dump = app_writing(tmp_path, "from-run-1")
    volume = cache.resource.mounts[0].source
    assert volume is not None and volume.endswith("-cache-data")
    volumes.append(volume)
    async with testing.start(b) as app:
        await app.wait_for_log("client", "read counter = from-run-1", timeout=60)
        await app.wait_for_log("env", "dumped")
        first = json.loads(first_dump.read_text())["env"]
        before = app.resource("cache").replicas[0].container_id

        result = await app.execute_command("cache", "restart")
        assert result.success, result.message
        await app.wait_for_healthy("cache", timeout=60)
        assert app.resource("cache").replicas[0].container_id != before, "a new container"
        client = redis.asyncio.Redis.from_url(first["ConnectionStrings__cache"])
        try:
            assert await client.get("counter") == b"from-run-1"
        finally:
            await client.aclose()

    settings = tmp_path / ".pyspire" / "settings.json"
    assert stat.S_IMODE(settings.stat().st_mode) == 0o600
    assert json.loads(settings.read_text())["Parameters"]["cache-password"] == first["CACHE_PASSWORD"]
    assert podman("volume", "exists", volume) == "" and volume in podman("volume", "ls", "--format", "{{.Name}}")

    b, _, second_dump = app_writing(tmp_path, "")
    async with testing.start(b) as app:
        await app.wait_for_log("client", "read counter = from-run-1", timeout=60)
        await app.wait_for_log("env", "dumped")
        second = json.loads(second_dump.read_text())["env"]
        assert second["CACHE_PASSWORD"] == first["CACHE_PASSWORD"], "kept in the settings file"
