"""Validation asks for an async health check; every form of one that can be awaited is accepted and
runs: an `async def`, a functools.partial of one (to pass arguments), an object with `async __call__`."""

from __future__ import annotations

import functools

from pyspire import DistributedApplication, testing
from tests.conftest import PYTHON

SLEEP = "import time; time.sleep(60)"


class Probe:
    async def __call__(self) -> bool:
        return True


async def is_up(answer: bool) -> bool:
    return answer


async def test_partials_and_async_callable_objects_are_accepted_and_report_healthy(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    (
        b.add_executable("svc", PYTHON, ".", "-c", SLEEP)
        .with_health_check(functools.partial(is_up, True), name="partial")
        .with_health_check(Probe(), name="object")
        .with_stop_grace_period(0)
    )
    async with testing.start(b) as app:
        snapshot = await app.wait_for_healthy("svc", timeout=15)
        assert {r.name for r in snapshot.health_reports} == {"partial", "object"}
