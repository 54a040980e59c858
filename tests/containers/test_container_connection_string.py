"""A container integration offers a connection string: whoever references it receives
``ConnectionStrings__{name}`` (and its ``{NAME}_HOST``… parts) once the endpoint is allocated,
next to the endpoint variables."""

from __future__ import annotations

import json

import pytest

from pyspire import DistributedApplication, expr, testing
from tests.conftest import APPS, PYTHON
from tests.containers.helpers import REDIS

pytestmark = pytest.mark.containers


async def test_a_container_with_a_connection_string_gives_it_to_whoever_references_it(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    cache = b.add_container("cache", REDIS).with_endpoint("tcp", target_port=6379).with_stop_grace_period(1)
    tcp = cache.get_endpoint("tcp")
    cache.with_connection_string(expr("redis://", tcp.host, ":", tcp.port))
    dump = tmp_path / "client.json"
    b.add_executable("client", PYTHON, APPS, "dump_env.py").with_reference(cache).with_env("DUMP_TO", str(dump))
    async with testing.start(b) as app:
        await app.wait_for_log("client", "dumped", timeout=60)
        env = json.loads(dump.read_text())["env"]
        url = app.endpoint_url("cache", "tcp")
        port = url.rsplit(":", 1)[1]
        assert env["ConnectionStrings__cache"] == f"redis://localhost:{port}"
        assert (env["CACHE_HOST"], env["CACHE_PORT"]) == ("localhost", port)
        assert env["services__cache__tcp__0"] == env["CACHE_TCP"] == url
        shown = app.resource("client").env_dict()
        assert shown["ConnectionStrings__cache"] == f"redis://localhost:{port}", "not secret: nothing in it is"
