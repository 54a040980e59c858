"""The fan-out's gain, measured on the fake cloud with a real per-deployment latency: 20 resources
in 4 dependency levels take about 4 deployment times, not 20; a warm start with every resource
cached makes no cloud call and adds little to startup. (The moto benchmarks measure the same on
CloudFormation.)"""

from __future__ import annotations

import time

from pyspire.provisioning import EnsureProvisioned, OutputRef, ResourceSpec
from tests.provisioning.conftest import Factory
from tests.provisioning.fake_backend import FakeCloud

LATENCY = 0.2  # long beside the controller's own overhead, even on a loaded machine


def twenty_in_four_levels() -> list[ResourceSpec]:
    """Level 0 has 5 independent resources; each of levels 1-3 takes an output of the level below."""
    specs = [ResourceSpec(f"r0-{i}", "fake", {"level": 0}) for i in range(5)]
    for level in (1, 2, 3):
        specs += [
            ResourceSpec(f"r{level}-{i}", "fake", {"level": level}, {"up": OutputRef(f"r{level - 1}-{i}", "name")})
            for i in range(5)
        ]
    return specs


async def test_twenty_resources_in_four_levels_take_about_four_deployment_times_not_twenty(
    make: Factory, cloud: FakeCloud
) -> None:
    cloud.latency = LATENCY
    controller, _ = make(twenty_in_four_levels())
    in_flight: list[int] = []
    controller.board.subscribe(lambda e: in_flight.append(sum(len(cloud.running(n)) for n in controller.board.resources)))
    started = time.perf_counter()
    result = await controller.run(EnsureProvisioned())
    cold = time.perf_counter() - started
    assert len(result.outputs) == 20 and not result.failed
    serial = 20 * LATENCY
    print(f"cold: {cold * 1000:.0f} ms for 20 resources; serial would be {serial * 1000:.0f} ms")
    assert max(in_flight) == 5  # each level's five deploy at once
    assert cold < serial / 2

    await controller.stop()
    cloud.latency = 0
    warm_host, backend = make(twenty_in_four_levels())
    started = time.perf_counter()
    await warm_host.run(EnsureProvisioned())
    warm = time.perf_counter() - started
    print(f"warm: {warm * 1000:.1f} ms, {len(backend.calls)} cloud calls")
    assert backend.calls == [] and warm < 0.5
