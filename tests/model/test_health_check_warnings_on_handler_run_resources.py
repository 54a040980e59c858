"""On a resource its own handler runs, a custom health check is honoured (no warning), while a
check that probes a replica — a ready-log line here; http, tcp and exec likewise — is flagged as
ignored at the user's line, naming the resource, the check and the fix; so is an interval when
no check is run."""

from __future__ import annotations

import warnings
from typing import ClassVar

import pytest

from pyspire import DistributedApplication
from pyspire.extensions import LifecycleBuilder, ResourceHandlerBase, resource_handlers
from pyspire.model import Resource
from pyspire.model.errors import ModelWarning


class Bucket(Resource):
    resource_type: ClassVar[str] = "Bucket"


@pytest.fixture(autouse=True)
def bucket_handler():
    with resource_handlers.registered(Bucket, ResourceHandlerBase):
        yield


async def reachable() -> bool:
    return True


def bucket(tmp_path):
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    resource = LifecycleBuilder(builder, Bucket("bucket"))
    builder.add_resource(resource)
    return builder, resource


def test_a_custom_check_and_its_interval_on_a_handler_run_resource_build_without_a_warning(tmp_path):
    builder, resource = bucket(tmp_path)
    resource.with_health_check(reachable).with_health_check_interval(healthy=1, unhealthy=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelWarning)
        builder.build()


def test_a_replica_probing_check_and_a_lone_interval_on_a_handler_run_resource_are_flagged_as_ignored(tmp_path):
    builder, resource = bucket(tmp_path)
    resource.with_ready_log_line("ready").with_health_check_interval(healthy=1)
    with pytest.warns(ModelWarning) as warned:
        builder.build()
    assert sorted(str(w.message) for w in warned) == [
        "resource 'bucket', health check 'log:ready': ignored: a log check probes a process or container "
        "replica, and a Bucket resource has none; check it with with_health_check(async_fn)",
        "resource 'bucket', health check interval: ignored: the resource has no health check the app host "
        "runs; add with_health_check(async_fn) or remove the call",
    ]
    assert {w.filename for w in warned} == {__file__}
