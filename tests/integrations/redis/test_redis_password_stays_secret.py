"""The Redis password reaches the server and its clients only through their environment: it is
in no command line (the host's ``ps``, ``podman inspect``'s args), no log, no snapshot's env and
no answer of the control API."""

from __future__ import annotations

import json
import subprocess

import pytest

from pyspire import DistributedApplication, testing
from pyspire.executor.snapshots import MASK
from tests.conftest import PYTHON
from tests.containers.helpers import podman
from tests.integrations.redis.helpers import APPS, IMAGE

pytestmark = pytest.mark.containers


async def test_the_password_appears_in_no_command_line_log_snapshot_or_api_answer(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    cache = b.add_redis("cache").with_image(IMAGE).with_stop_grace_period(2)
    b.add_executable("client", PYTHON, APPS, "redis_py_client.py").with_reference(cache).wait_for(cache)
    async with testing.start(b) as app:
        await app.wait_for_log("client", "read greeting = hello", timeout=60)
        password = json.loads((tmp_path / ".pyspire" / "settings.json").read_text())["Parameters"]["cache-password"]
        container = app.resource("cache").replicas[0].container_id
        assert container

        inspected = json.loads(podman("inspect", container))[0]
        command_line = [inspected["Path"], *inspected["Args"], *(inspected["Config"]["Cmd"] or [])]
        assert any("requirepass" in word for word in command_line), command_line
        assert not any(password in word for word in command_line)
        assert f"REDIS_PASSWORD={password}" in inspected["Config"]["Env"], "it travels as env instead"
        assert password not in podman("ps", "--no-trunc", "--format", "{{.Command}}")
        assert password not in subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout

        shown = {name: app.resource(name).env_dict() for name in ("cache", "client")}
        assert shown["cache"]["REDIS_PASSWORD"] == MASK
        assert shown["client"]["CACHE_PASSWORD"] == shown["client"]["ConnectionStrings__cache"] == MASK
        assert shown["client"]["CACHE_URI"] == MASK
        for snapshot in app.resources():
            assert password not in repr(snapshot)
            assert password not in app.log_text(snapshot.name)
        async with app.api_client() as client:
            for path in ("/v1/resources", "/v1/resources/cache", "/v1/resources/cache-password", "/v1/logs"):
                answer = await client.get(path)
                assert answer.status_code == 200, path
                assert password not in answer.text, path
