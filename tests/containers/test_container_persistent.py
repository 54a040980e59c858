"""Persistent containers outlive the app host and are re-adopted while unchanged."""

from __future__ import annotations

import pytest

from pyspire import DistributedApplication, testing
from tests.containers.helpers import get_text, podman, sh

pytestmark = pytest.mark.containers


def model(tmp_path, greeting: str):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    (
        sh(b, "cache", "echo $GREETING-$(hostname) > /www/index.html; exec httpd -f -p 80 -h /www")
        .with_env("GREETING", greeting)
        .with_http_endpoint(target_port=80)
        .with_lifetime("persistent")
    )
    return b


@pytest.fixture
def cleanup():
    names: list[str] = []
    yield names
    for name in names:
        podman("rm", "-f", "-t", "0", name)
    for network in podman("network", "ls", "--format", "{{.Name}}").split():
        if network in names:
            podman("network", "rm", network)


async def test_persistent_container_is_readopted_then_recreated_when_env_changes(tmp_path, cleanup):
    async with testing.start(model(tmp_path, "hello")) as app:
        first = await app.wait_for_resource("cache")
        first_id = first.replicas[0].container_id
        name = podman("inspect", "--format", "{{.Name}}", first_id)
        network = podman("inspect", "--format", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}", first_id)
        cleanup.extend([name, network])
        first_text = await get_text(app.endpoint_url("cache"))
        assert first_text.startswith("hello-")
    # the app host stopped; the container did not
    assert podman("inspect", "--format", "{{.State.Running}}", first_id) == "true"

    async with testing.start(model(tmp_path, "hello")) as app:
        second = await app.wait_for_resource("cache")
        assert second.replicas[0].container_id == first_id  # re-adopted, not recreated
        assert "re-adopted" in app.log_text("cache")
        assert await get_text(app.endpoint_url("cache")) == first_text

    async with testing.start(model(tmp_path, "changed")) as app:
        third = await app.wait_for_resource("cache")
        assert third.replicas[0].container_id != first_id  # its configuration changed
        assert "configuration changed" in app.log_text("cache")
        assert (await get_text(app.endpoint_url("cache"))).startswith("changed-")
    assert podman("inspect", "--format", "{{.State.Running}}", first_id) == ""  # the old one is gone
