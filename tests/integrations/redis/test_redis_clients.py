"""A process that references a Redis resource reaches it with redis-py through the proxy, using
either the connection string or the ``CACHE_*`` parts; a client without the password is refused."""

from __future__ import annotations

import json

import pytest
import redis.asyncio
import redis.exceptions

from pyspire import DistributedApplication, testing
from tests.conftest import APPS as SHARED_APPS
from tests.conftest import PYTHON
from tests.integrations.redis.helpers import APPS, IMAGE

pytestmark = pytest.mark.containers


def cache_app(tmp_path, password=None):
    """Redis ``cache``; ``client`` sets and gets a key with redis-py, ``env`` dumps what it got."""
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    cache = b.add_redis("cache", password=password(b) if password else None).with_image(IMAGE)
    cache.with_stop_grace_period(2)
    b.add_executable("client", PYTHON, APPS, "redis_py_client.py").with_reference(cache).wait_for(cache)
    dump = tmp_path / "env.json"
    b.add_executable("env", PYTHON, SHARED_APPS, "dump_env.py").with_reference(cache).with_env("DUMP_TO", str(dump))
    return b, cache


async def env_of_a_client_that_read_its_key(app, tmp_path) -> dict[str, str]:
    await app.wait_for_log("client", "read greeting = hello", timeout=60)
    await app.wait_for_log("env", "dumped")
    return json.loads((tmp_path / "env.json").read_text())["env"]


async def test_a_referencing_process_sets_and_gets_a_key_with_redis_py_through_the_proxy(tmp_path):
    b, _ = cache_app(tmp_path)
    async with testing.start(b) as app:
        env = await env_of_a_client_that_read_its_key(app, tmp_path)
        port = app.endpoint_url("cache", "tcp").rsplit(":", 1)[1]
        password = env["CACHE_PASSWORD"]
        assert env["ConnectionStrings__cache"] == f"redis://:{password}@localhost:{port}"
        assert env["CACHE_URI"] == env["ConnectionStrings__cache"]
        assert (env["CACHE_HOST"], env["CACHE_PORT"]) == ("localhost", port)
        assert len(password) >= 20, "a generated password"

        without_password = redis.asyncio.Redis(host="localhost", port=int(port))
        with pytest.raises(redis.exceptions.AuthenticationError):
            await without_password.get("greeting")
        wrong_password = redis.asyncio.Redis(host="localhost", port=int(port), password="not-" + password)
        with pytest.raises(redis.exceptions.AuthenticationError):
            await wrong_password.get("greeting")
        await without_password.aclose()
        await wrong_password.aclose()


async def test_a_container_referencing_redis_reaches_it_by_its_network_alias(tmp_path):
    b, cache = cache_app(tmp_path)
    probe = 'env | grep "^CACHE_[HP]O"; REDISCLI_AUTH="$CACHE_PASSWORD" redis-cli -h "$CACHE_HOST" -p "$CACHE_PORT" ping'
    (
        b.add_container("probe", IMAGE)
        .with_reference(cache)
        .with_entrypoint("/bin/sh")
        .with_args("-c", probe + "; exec sleep 3600")
        .with_stop_grace_period(0)
        .wait_for(cache)
    )
    async with testing.start(b) as app:
        await app.wait_for_log("probe", "PONG", timeout=60)
        assert {"CACHE_HOST=cache", "CACHE_PORT=6379"} <= set(app.log_text("probe").split())


async def test_a_password_with_url_characters_is_percent_encoded_in_the_url_and_works(tmp_path, monkeypatch):
    password = "p@ss:w/rd %?#$x"
    monkeypatch.setenv("Parameters__cache-password", password)
    b, _ = cache_app(tmp_path, password=lambda b: b.add_parameter("cache-password", secret=True))
    async with testing.start(b) as app:
        env = await env_of_a_client_that_read_its_key(app, tmp_path)
        assert env["CACHE_PASSWORD"] == password
        assert env["ConnectionStrings__cache"].startswith("redis://:p%40ss%3Aw%2Frd%20%25%3F%23%24x@localhost:")
