"""Containers as resources, on real podman: proxy, references both ways, aliases, env/args."""

from __future__ import annotations

import json

import httpx
import pytest

from pyspire import DistributedApplication, testing
from pyspire.executor.snapshots import MASK
from tests.conftest import APPS, PYTHON
from tests.containers.helpers import BUSYBOX, get_text, sh, web

pytestmark = pytest.mark.containers


async def test_container_served_through_the_proxy(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    web(b, "web", "hello-from-container")
    async with testing.start(b) as app:
        snapshot = await app.wait_for_resource("web")
        assert snapshot.resource_type == "Container"
        url = app.endpoint_url("web")
        assert url.startswith("http://localhost:")
        assert await get_text(url) == "hello-from-container"


async def test_process_calls_container_and_container_calls_process(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    box = web(b, "box", "box-says-hi")
    api = b.add_executable("api", PYTHON, APPS, "http_env.py").with_http_endpoint(env="PORT").with_reference(box)
    sh(
        b,
        "caller",
        'while true; do wget -qO- "$API_HTTP/env" > /tmp/env.json && cat /tmp/env.json && echo; sleep 0.3; done',
    ).with_reference(api).with_reference(box)
    async with testing.start(b) as app:
        await app.wait_for_resource("api")
        env = {e.name: e.value for e in (await app.wait_for_resource("caller")).env}
        assert env["API_HTTP"].startswith("http://host.containers.internal:")
        assert env["BOX_HTTP"] == "http://box:80"
        # the container reached the host process through the injected env ...
        line = await app.wait_for_log("caller", '"env"', timeout=30)
        seen = json.loads(line.text)
        # ... and the host process sees the container at localhost:<proxy port>
        assert seen["env"]["BOX_HTTP"].startswith("http://localhost:")
        async with httpx.AsyncClient() as client:
            assert (await client.get(seen["env"]["BOX_HTTP"])).text.strip() == "box-says-hi"


async def test_two_containers_talk_by_alias(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    box = web(b, "box", "by-alias")
    sh(b, "client", 'while true; do echo "got $(wget -qO- "$BOX_HTTP") via $BOX_HTTP"; sleep 0.2; done').with_reference(
        box
    )
    async with testing.start(b) as app:
        line = await app.wait_for_log("client", "got by-alias via", timeout=30)
        assert line.text == "got by-alias via http://box:80"


async def test_env_args_and_entrypoint(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    secret = b.add_parameter("token", "s3cr3t-value", secret=True)
    (
        b.add_container("echoer", BUSYBOX)
        .with_entrypoint("/bin/sh")
        .with_args("-c", 'echo "args=$0 $1 greeting=$GREETING token=$TOKEN home=${HOME:-unset}"', "first", "second")
        .with_env("GREETING", "hello world")
        .with_env("TOKEN", secret)
    )
    async with testing.start(b) as app:
        snapshot = await app.wait_for_resource("echoer", "Finished", timeout=30)
        assert snapshot.exit_code == 0
        text = app.log_text("echoer")
        # the secret reaches the container but is masked in its log
        assert "args=first second greeting=hello world token=***" in text
        assert "s3cr3t-value" not in text
        env = {e.name: e.value for e in snapshot.env}
        assert env["TOKEN"] == MASK and env["GREETING"] == "hello world"
        # nothing leaks in from the app host's own environment
        assert "PATH" not in env
