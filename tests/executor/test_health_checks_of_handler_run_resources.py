"""A resource its own handler runs (no process, no container) is health-checked like any other:
its custom checks decide Healthy / Unhealthy while it is Running — whatever the handler
published — a dependent that ``wait_for``s it starts only once it is Healthy, ResourceReady fires
once per start, and a check that takes a ``HealthCheckContext`` resolves values and writes the
resource's log (secrets masked). Written with the public extension API only, as an integration."""

from __future__ import annotations

from typing import ClassVar

import pytest

from pyspire import DistributedApplication, testing
from pyspire.extensions import (
    HealthCheckContext,
    LifecycleBuilder,
    ResourceHandlerBase,
    resource_handlers,
)
from pyspire.model import AppModelBuilder, Resource
from pyspire.states import HealthStatus, ResourceState
from tests.conftest import PYTHON, until

SLEEP = "import time; print('dependent up', flush=True); time.sleep(60)"


class Bucket(Resource):
    """A storage bucket some service provides: pyspire starts no process for it."""

    resource_type: ClassVar[str] = "Bucket"


class BucketHandler(ResourceHandlerBase):
    async def on_start(self) -> None:
        # Claims Healthy, as a handler written before checks ran for it would: its checks win.
        self.ctx.publish(state=ResourceState.RUNNING, health=HealthStatus.HEALTHY)


def add_bucket(builder: AppModelBuilder, name: str) -> LifecycleBuilder[Bucket]:
    bucket = LifecycleBuilder(builder, Bucket(name))
    builder.add_resource(bucket)
    return bucket


@pytest.fixture(autouse=True)
def bucket_handler():
    with resource_handlers.registered(Bucket, BucketHandler):
        yield


async def test_a_handler_run_resource_is_healthy_as_its_check_says_and_a_dependent_waits_for_it(tmp_path):
    answer: list[str | None] = ["the bucket is still being provisioned"]
    ready: list[str] = []

    async def provisioned() -> str | None:
        return answer[0]

    b = DistributedApplication.create_builder(app_dir=tmp_path)
    bucket = add_bucket(b, "bucket").with_health_check(provisioned).with_health_check_interval(healthy=0.05, unhealthy=0.05)
    bucket.on_ready(lambda event: ready.append(event.resource.name))
    b.add_executable("uploader", PYTHON, ".", "-c", SLEEP).wait_for(bucket)
    async with testing.start(b) as app:
        unhealthy = await until(app, "bucket", lambda s: bool(s.health_reports) and s.health_reports[0].checked_at)
        assert unhealthy.state == ResourceState.RUNNING
        assert unhealthy.health_status == HealthStatus.UNHEALTHY
        assert [(r.name, r.status, r.description) for r in unhealthy.health_reports] == [
            ("provisioned", HealthStatus.UNHEALTHY, "the bucket is still being provisioned")
        ]
        assert app.resource("uploader").state == ResourceState.WAITING
        assert ready == []

        answer[0] = None
        healthy = await app.wait_for_healthy("bucket")
        assert [r.status for r in healthy.health_reports] == [HealthStatus.HEALTHY]
        await app.wait_for_log("uploader", "dependent up")
        assert ready == ["bucket"]

        answer[0] = "the bucket was deleted"
        flapped = await until(app, "bucket", lambda s: s.health_status == HealthStatus.UNHEALTHY)
        assert flapped.health_reports[0].description == "the bucket was deleted"
        answer[0] = None
        await app.wait_for_healthy("bucket")
        assert ready == ["bucket"], "ResourceReady fires once per start, not per health flap"

        assert (await app.execute_command("bucket", "stop")).success
        stopped = app.resource("bucket")
        assert (stopped.state, stopped.health_status, stopped.health_reports) == (ResourceState.EXITED, None, ())

        assert (await app.execute_command("bucket", "start")).success
        await app.wait_for_healthy("bucket")
        await until(app, "bucket", lambda s: len(ready) == 2)


async def test_a_check_with_a_context_resolves_values_and_logs_to_the_resource_with_secrets_masked(tmp_path):
    async def token_accepted(ctx: HealthCheckContext) -> bool:
        token = await ctx.resolve(secret)
        ctx.log(f"{ctx.resource.name} accepted token {token}")
        return token == "hunter2-bucket-token"

    b = DistributedApplication.create_builder(app_dir=tmp_path)
    secret = b.add_parameter("bucket-token", "hunter2-bucket-token", secret=True)
    add_bucket(b, "bucket").with_health_check(token_accepted)
    async with testing.start(b) as app:
        healthy = await app.wait_for_healthy("bucket")
        assert [r.name for r in healthy.health_reports] == ["token_accepted"]
        line = await app.wait_for_log("bucket", "bucket accepted token")
        assert "hunter2-bucket-token" not in line.text
        assert "hunter2-bucket-token" not in app.log_text("bucket")

