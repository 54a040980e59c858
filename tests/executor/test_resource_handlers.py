"""An integration's own resource class, with no process at all, runs through a registered handler.

The resource and its handler are defined here, with the public extension API only (as an
integration outside ``src/`` would): the handler publishes state, properties, URLs and health,
serves a custom command and the built-in stop/start, and publishes an output that an ordinary
executable receives in its environment once it is set — the executable's snapshot says what it
waits for meanwhile. A resource class nobody registered a handler for is refused before start.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import pytest

from pyspire import DistributedApplication, testing
from pyspire.extensions import (
    HandlerContext,
    ResourceHandlerBase,
    Url,
    resource_handlers,
)
from pyspire.model import AppModelBuilder, ModelError, Resource, ResourceBuilder
from pyspire.model.lifecycle import CommandAnnotation
from pyspire.states import HealthStatus, ResourceState
from tests.conftest import PYTHON

PRINT_KUBECONFIG = (
    "import os, time; print('kubeconfig is', os.environ['KUBECONFIG'], 'token', os.environ['TOKEN'], flush=True); "
    "time.sleep(60)"
)


class FakeCluster(Resource):
    """A cluster some controller of its own runs: pyspire starts no process for it."""

    resource_type: ClassVar[str] = "FakeCluster"


class ClusterHandler(ResourceHandlerBase):
    #: Set by the test when the "cluster" may come up (so the dependent is seen waiting first).
    may_start: ClassVar[asyncio.Event]
    starts: ClassVar[int] = 0

    def __init__(self, resource: Resource, ctx: HandlerContext) -> None:
        super().__init__(resource, ctx)

    async def on_start(self) -> None:
        await self.may_start.wait()
        type(self).starts += 1
        self.ctx.log(f"cluster up (start {self.starts})")
        self.ctx.publish(
            state=ResourceState.RUNNING,
            properties=[("nodes", "3")],
            urls=[Url("api", "https://localhost:6443")],
            health=HealthStatus.HEALTHY,
        )
        self.ctx.set_output("kubeconfig", f"/tmp/kubeconfig-{self.starts}")
        self.ctx.set_output("token", "s3cr3t-cluster-token", secret=True)

    async def on_stop(self) -> None:
        self.ctx.log("cluster down")


def add_cluster(builder: AppModelBuilder, name: str) -> ResourceBuilder[FakeCluster]:
    cluster = ResourceBuilder(builder, FakeCluster(name))
    builder.add_resource(cluster)
    return cluster


@pytest.fixture
def cluster_handler():
    ClusterHandler.may_start = asyncio.Event()
    ClusterHandler.starts = 0
    with resource_handlers.registered(FakeCluster, ClusterHandler):
        yield ClusterHandler


async def test_a_resource_with_no_process_publishes_state_properties_urls_health_and_outputs(
    tmp_path, cluster_handler
):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    cluster = add_cluster(b, "cluster")
    b.add_executable("consumer", PYTHON, ".", "-c", PRINT_KUBECONFIG).with_env(
        "KUBECONFIG", cluster.output("kubeconfig")
    ).with_env("TOKEN", cluster.output("token", secret=True))
    async with testing.start(b) as app:
        waiting = await app.wait_for_resource("consumer", "Waiting")
        assert waiting.state_message == "waiting for output 'kubeconfig' of 'cluster'"
        assert "waiting for output 'kubeconfig' of 'cluster'" in app.log_text("consumer")
        assert app.resource("cluster").state == "Starting"

        cluster_handler.may_start.set()
        running = await app.wait_for_healthy("cluster")
        assert ("nodes", "3") in running.properties
        assert running.urls == (Url("api", "https://localhost:6443"),)
        await app.wait_for_log("consumer", "kubeconfig is /tmp/kubeconfig-1")
        consumer = await app.wait_for_resource("consumer")
        assert consumer.env_dict()["KUBECONFIG"] == "/tmp/kubeconfig-1"
        shown = dict(app.resource("cluster").properties)
        assert shown["output.kubeconfig"] == "/tmp/kubeconfig-1"
        assert shown["output.token"] != "s3cr3t-cluster-token"
        assert "s3cr3t-cluster-token" not in repr(app.resources())
        assert "s3cr3t-cluster-token" not in app.log_text("consumer")


async def test_the_built_in_commands_call_the_handler_and_a_custom_command_runs(tmp_path, cluster_handler):
    calls: list[str] = []
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    cluster = add_cluster(b, "cluster")
    cluster.resource.record(CommandAnnotation("rotate", "Rotate certificates", lambda ctx: calls.append(ctx.resource)))
    cluster_handler.may_start.set()
    async with testing.start(b) as app:
        await app.wait_for_healthy("cluster")
        assert {c.name for c in app.resource("cluster").commands} == {"start", "stop", "restart", "rotate"}

        assert (await app.execute_command("cluster", "rotate")).success
        assert calls == ["cluster"]

        assert (await app.execute_command("cluster", "stop")).success
        assert app.resource("cluster").state == "Exited"
        assert "cluster down" in app.log_text("cluster")

        assert (await app.execute_command("cluster", "start")).success
        await app.wait_for_healthy("cluster")
        assert cluster_handler.starts == 2
        assert dict(app.resource("cluster").properties)["output.kubeconfig"] == "/tmp/kubeconfig-2"


async def test_a_handler_registration_is_looked_up_along_the_class_bases_and_removable(tmp_path):
    class RegionalCluster(FakeCluster):
        pass

    ClusterHandler.may_start = asyncio.Event()
    ClusterHandler.may_start.set()
    with resource_handlers.registered(FakeCluster, ClusterHandler):
        assert resource_handlers.find(RegionalCluster) is resource_handlers.find(FakeCluster)
        b = DistributedApplication.create_builder(app_dir=tmp_path)
        add_cluster(b, "eu").resource.__class__ = RegionalCluster
        async with testing.start(b) as app:
            await app.wait_for_healthy("eu")
    assert resource_handlers.find(FakeCluster) is None


async def test_a_resource_class_without_a_handler_is_refused_before_anything_starts(tmp_path):
    marker = tmp_path / "started"
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    add_cluster(b, "cluster")
    b.add_executable("api", PYTHON, ".", "-c", f"open({str(marker)!r}, 'w')")
    with pytest.raises(ModelError) as refused:
        async with testing.start(b):
            pass
    message = str(refused.value)
    assert "resource 'cluster'" in message
    assert "FakeCluster" in message
    assert "resource_handlers.register(FakeCluster" in message
    assert not marker.exists()
    assert not (tmp_path / ".pyspire" / "runs").exists() or not any((tmp_path / ".pyspire" / "runs").iterdir())


def test_pyspire_run_refuses_an_unhandled_resource_class_with_a_clean_message(tmp_path):
    (tmp_path / "apphost.py").write_text(
        "from pyspire import DistributedApplication\n"
        "from pyspire.model import Resource, ResourceBuilder\n"
        "class HelmRelease(Resource):\n"
        "    resource_type = 'HelmRelease'\n"
        "b = DistributedApplication.create_builder()\n"
        "b.add_resource(ResourceBuilder(b, HelmRelease('ingress')))\n"
        "b.build().run()\n"
    )
    done = subprocess.run(
        [str(Path(sys.executable).parent / "pyspire"), "run", str(tmp_path / "apphost.py")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "apphost.py:6: resource ingress, resource class: no handler runs" in done.stderr
    assert "resource_handlers.register(HelmRelease" in done.stderr
    assert "Traceback" not in done.stderr
