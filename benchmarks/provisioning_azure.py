#!/usr/bin/env python3
"""Benchmark Azure provisioning (pyspire.provisioning.azure): the real Azure SDK clients over the
tests' in-memory ARM (tests/provisioning/azure/fake_arm.py; no ARM emulator runs here).

20 resources in 2 dependency levels: 10 storage accounts and 10 ARM templates, each taking an
account's name. The fake ARM answers in-process (its CPU is the benchmark's, as moto's is not in
provisioning_aws.py), so the figures are pyspire's and the SDK's own cost per call. Each figure is
measured ``--runs`` times (default 3), medians printed:

* **cold**: a controller on an empty state file, ``EnsureProvisioned`` until every deployment
  succeeded — against the **sum of the 20 individual deploys** (``deploy`` + ``wait`` of each alone,
  one after the other, through the same backend). ``sum / cold`` is the fan-out's gain.
* **cold with latency** (``--latency``, default 1 s): every deployment takes at least that long in
  the fake ARM, as real ones do (minutes, for some types): where the fan-out pays (ideal 10x).
* **warm**: a new controller (a restarted app host) on the cached state file: the time
  ``EnsureProvisioned`` adds to app start (target: under 0.5 s) and its ARM requests (target: none).
* **drift**: one drift pass over the 20 (existence checks, concurrently): its wall time.

Usage: ``.venv/bin/python benchmarks/provisioning_azure.py [--runs 3] [--latency 1]``
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, machine_note, median, spread

sys.path.insert(0, str(REPO))  # the fake ARM lives with the tests

from tests.provisioning.azure.app_fixtures import WORKSPACE  # noqa: E402
from tests.provisioning.azure.conftest import FixedToken, transport_of  # noqa: E402
from tests.provisioning.azure.fake_arm import FakeArm  # noqa: E402

from pyspire.provisioning import (  # noqa: E402
    EnsureProvisioned,
    OutputRef,
    ProvisioningController,
    ResourceSpec,
    deployments_file,
)
from pyspire.provisioning.azure import ArmBackend, AzureEnvironment, arm_template, storage_account  # noqa: E402
from pyspire.provisioning.graph import dependency_order  # noqa: E402

SUBSCRIPTION = "00000000-1111-2222-3333-444444444444"
ENV = AzureEnvironment("bench", SUBSCRIPTION, "westeurope", "rg-bench")


def specs() -> list[ResourceSpec]:
    out: list[ResourceSpec] = [storage_account(f"files{i}") for i in range(10)]
    out += [arm_template(f"logs{i}", WORKSPACE, {"storageAccount": OutputRef(f"files{i}", "name")}) for i in range(10)]
    return out


def fresh(latency: float = 0.0) -> tuple[FakeArm, ArmBackend]:
    arm = FakeArm(SUBSCRIPTION)
    arm.latency = latency
    return arm, ENV.backend(0.02, credential=FixedToken(), transport=transport_of(arm))


async def individual_sum(latency: float = 0.0) -> float:
    """Each resource deployed alone, one after the other (prerequisites first, outputs resolved)."""
    _, backend = fresh(latency)
    outputs: dict[str, dict[str, str]] = {}
    total = 0.0
    for spec in dependency_order(specs()):
        resolved = spec.resolved(outputs)
        t0 = time.perf_counter()
        handle = await backend.deploy(resolved, ENV.scope())
        outputs[spec.name] = dict((await backend.wait(handle)).values)
        total += time.perf_counter() - t0
    return total


async def controller_pass(arm: FakeArm, state: Path, drift: bool = False) -> float:
    backend = ENV.backend(0.02, credential=FixedToken(), transport=transport_of(arm))
    t0 = time.perf_counter()  # from building the controller (loading the state file) on
    controller = ProvisioningController(ENV.scope(), specs(), backend, state)
    controller.start(drift=False)
    try:
        result = await controller.run(EnsureProvisioned())
        assert not result.failed, result.failed
        if drift:
            t0 = time.perf_counter()
            assert await controller.request_drift_check() == []
        return time.perf_counter() - t0
    finally:
        await controller.stop()


async def main(runs: int, latency: float) -> int:
    print(f"provisioning_azure: {machine_note()}")
    print(f"20 resources in 2 dependency levels, the real Azure SDK over the in-memory ARM, {runs} runs\n")
    await individual_sum()  # one unmeasured round: the SDK's imports, its first pipeline
    sums, colds, warms, warm_requests, drifts, slow_sums, slow_colds = [], [], [], [], [], [], []
    for _ in range(runs):
        sums.append(await individual_sum())
        with tempfile.TemporaryDirectory() as tmp:
            state = deployments_file(Path(tmp), "bench")
            arm, _ = fresh()
            colds.append(await controller_pass(arm, state))
            arm.requests.clear()
            warms.append(await controller_pass(arm, state))
            warm_requests.append(len(arm.requests))
            drifts.append(await controller_pass(arm, state, drift=True))
        slow_sums.append(await individual_sum(latency))
        with tempfile.TemporaryDirectory() as tmp:
            slow_colds.append(await controller_pass(fresh(latency)[0], deployments_file(Path(tmp), "bench")))
    print(f"  sum of 20 individual deploys (reference) {spread(sums)}")
    print(f"  cold provisioning, fan-out               {spread(colds)}")
    print(f"  fan-out gain (sum / cold)                {median(sums) / median(colds):.2f}x")
    print(f"  with {latency:.1f} s per deployment (modeled):")
    print(f"    sum of 20 individual deploys           {spread(slow_sums)}")
    print(f"    cold provisioning, fan-out             {spread(slow_colds)}")
    print(f"    fan-out gain                           {median(slow_sums) / median(slow_colds):.2f}x (2 levels of 10: ideal 10x)")
    print(f"  warm start, cached state                 {spread(warms, 'ms', 1000)}; target < 500 ms")
    print(f"  ARM requests on warm start               {max(warm_requests)} (target 0)")
    print(f"  one drift pass, 20 existence checks      {spread(drifts, 'ms', 1000)}")
    return 0 if max(warm_requests) == 0 and median(warms) < 0.5 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency", type=float, default=1.0, help="modeled seconds per deployment")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.runs, args.latency)))
