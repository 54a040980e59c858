#!/usr/bin/env python3
"""Benchmark AWS provisioning (pyspire.provisioning.aws) against moto's server mode.

20 resources with dependencies (6 buckets, 4 dead-letter queues; 4 queues redriving to them, 4
tables each after a bucket; 2 generic templates taking a queue's ARN and a bucket's name): 3 levels.
moto runs as its own process (``python -m moto.server``), as a remote cloud would, so its CPU is not
the app host's. Each figure is measured ``--runs`` times (default 3), medians printed:

* **cold**: a controller on an empty state file, ``EnsureProvisioned`` until every stack is
  complete — against the reference measured in the same run: the **sum of the 20 individual
  deploy times** (``deploy`` + ``wait`` of each resource alone, one after the other, through the
  same backend). ``sum / cold`` is the fan-out's gain (dependency order kept).
* **cold with latency** (``--latency``, default 1 s): the same two figures with every stack taking
  that much longer in the cloud, as real stacks do (moto is instant): where the fan-out pays.
* **warm**: a new controller (a restarted app host) on the cached state file: the time
  ``EnsureProvisioned`` adds to app start (target: under 0.5 s) and its CloudFormation calls
  (target: none, counted with a boto3 event hook).
* **drift**: one drift pass over the 20 (one probe each, concurrently): its wall time, per resource.

moto is reset (``POST /moto-api/reset``) before every cold pass. Usage:
``.venv/bin/python benchmarks/provisioning_aws.py [--runs 3]``
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import machine_note, median, spread
from _moto import moto_process, reset

from pyspire.provisioning import (
    EnsureProvisioned,
    OutputRef,
    ProvisioningController,
    ResourceSpec,
    deployments_file,
)
from pyspire.provisioning.aws import (
    AwsClients,
    AwsEnvironment,
    CloudFormationBackend,
    cloudformation_template,
    dynamodb_table,
    s3_bucket,
    sqs_queue,
)
from pyspire.provisioning.graph import dependency_order

ACCOUNT = "123456789012"


def specs() -> list[ResourceSpec]:
    topic = {
        "Parameters": {
            "ResourceName": {"Type": "String"},
            "Queue": {"Type": "String"},
            "Bucket": {"Type": "String"},
        },
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Ref": "ResourceName"}}}
        },
        "Outputs": {
            "TopicArn": {"Value": {"Ref": "Topic"}},
            "Wired": {"Value": {"Fn::Sub": "${Bucket} ${Queue}"}},
        },
    }
    out: list[ResourceSpec] = [s3_bucket(f"bucket{i}") for i in range(6)]
    out += [sqs_queue(f"dlq{i}") for i in range(4)]
    out += [sqs_queue(f"queue{i}", dead_letter_queue=f"dlq{i}") for i in range(4)]
    out += [dynamodb_table(f"table{i}", depends_on=[f"bucket{i}"]) for i in range(4)]
    out += [
        cloudformation_template(
            f"topic{i}",
            topic,
            {
                "Queue": OutputRef(f"queue{i}", "QueueArn"),
                "Bucket": OutputRef(f"bucket{i + 4}", "BucketName"),
            },
        )
        for i in range(2)
    ]
    assert len(out) == 20
    return out


class Counting(AwsClients):
    """Clients that count CloudFormation calls (a boto3 ``before-call`` hook)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.cloudformation_calls = 0

    def client(self, service: str, region: str | None = None) -> Any:
        fresh = (service, region or self.region) not in self._clients
        c = super().client(service, region)
        if fresh and service == "cloudformation":
            c.meta.events.register("before-call", self._count)
        return c

    def _count(self, **_: Any) -> None:
        self.cloudformation_calls += 1


async def individual_sum(env: AwsEnvironment, clients: Counting, latency: float = 0.0) -> float:
    """Each resource deployed alone, one after the other (prerequisites first, outputs resolved)."""
    backend = backend_for(clients, latency)
    scope = env.scope(ACCOUNT)
    outputs: dict[str, dict[str, str]] = {}
    total = 0.0
    for spec in dependency_order(specs()):
        resolved = spec.resolved(outputs)
        t0 = time.perf_counter()
        handle = await backend.deploy(resolved, scope)
        outputs[spec.name] = dict((await backend.wait(handle)).values)
        total += time.perf_counter() - t0
    return total


class SlowCloud(CloudFormationBackend):
    """moto completes a stack the moment it is created; a real stack takes seconds to minutes. This
    one makes each stack take ``latency`` more seconds in the cloud (``wait`` sleeps first), which
    is what the fan-out overlaps."""

    latency = 0.0

    async def wait(self, handle: Any) -> Any:
        await asyncio.sleep(self.latency)
        return await super().wait(handle)


def backend_for(clients: Counting, latency: float) -> CloudFormationBackend:
    backend = SlowCloud(clients, poll_interval=0.05)
    backend.latency = latency
    return backend


async def controller_pass(
    env: AwsEnvironment, clients: Counting, state: Path, latency: float = 0.0
) -> tuple[float, Any]:
    t0 = time.perf_counter()  # from building the controller (loading the state file) on
    backend = backend_for(clients, latency)
    controller = ProvisioningController(env.scope(ACCOUNT), specs(), backend, state)
    controller.start(drift=False)
    try:
        result = await controller.run(EnsureProvisioned())
        elapsed = time.perf_counter() - t0
        assert not result.failed, result.failed
        return elapsed, controller
    finally:
        await controller.stop()


async def drift_pass(env: AwsEnvironment, clients: Counting, state: Path) -> float:
    backend = CloudFormationBackend(clients, poll_interval=0.05)
    controller = ProvisioningController(env.scope(ACCOUNT), specs(), backend, state)
    controller.start(drift=False)
    try:
        await controller.run(EnsureProvisioned())  # cached: no call
        t0 = time.perf_counter()
        missing = await controller.request_drift_check()
        elapsed = time.perf_counter() - t0
        assert missing == [], missing
        return elapsed
    finally:
        await controller.stop()


def warm_clients(env: AwsEnvironment) -> Counting:
    """Clients built (service models loaded) before timing: an app host has them from its first pass."""
    c = Counting(env.region, env.endpoint_url)
    for service in ("cloudformation", "s3", "sqs", "dynamodb"):
        c.client(service)
    return c


async def main(runs: int, latency: float) -> int:
    with moto_process() as endpoint:
        env = AwsEnvironment(name="bench", region="eu-west-1", stack_prefix="bench", endpoint_url=endpoint)
        print(f"provisioning_aws: {machine_note()}")
        print(f"20 resources in 3 dependency levels, moto server (own process) at {endpoint}, {runs} runs\n")
        sums, colds, warms, warm_calls, drifts = [], [], [], [], []
        # one unmeasured round: moto's lazy imports and botocore's model loading
        reset(endpoint)
        await individual_sum(env, warm_clients(env))
        for _ in range(runs):
            reset(endpoint)
            sums.append(await individual_sum(env, warm_clients(env)))
            reset(endpoint)
            with tempfile.TemporaryDirectory() as tmp:
                state = deployments_file(Path(tmp), "bench")
                cold, _ = await controller_pass(env, warm_clients(env), state)
                colds.append(cold)
                clients = warm_clients(env)
                before = clients.cloudformation_calls
                warm, _ = await controller_pass(env, clients, state)
                warms.append(warm)
                warm_calls.append(clients.cloudformation_calls - before)
                drifts.append(await drift_pass(env, warm_clients(env), state))
        slow_sums, slow_colds = [], []
        for _ in range(runs):
            reset(endpoint)
            slow_sums.append(await individual_sum(env, warm_clients(env), latency))
            reset(endpoint)
            with tempfile.TemporaryDirectory() as tmp:
                slow, _ = await controller_pass(
                    env, warm_clients(env), deployments_file(Path(tmp), "b"), latency
                )
                slow_colds.append(slow)
        gain = median(sums) / median(colds)
        print(f"  sum of 20 individual deploys (reference) {spread(sums)}")
        print(f"  cold provisioning, fan-out               {spread(colds)}")
        print(f"  fan-out gain (sum / cold)                {gain:.2f}x")
        print(f"  with {latency:.1f} s per stack in the cloud (modeled):")
        print(f"    sum of 20 individual deploys           {spread(slow_sums)}")
        print(f"    cold provisioning, fan-out             {spread(slow_colds)}")
        print(
            f"    fan-out gain                           {median(slow_sums) / median(slow_colds):.2f}x (3 levels: ideal 6.67x)"
        )
        print(
            f"  warm start, cached state                 {spread(warms, 'ms', 1000)}"
            f"  = {median(warms) / median(colds) * 100:.2f}% of cold; target < 500 ms"
        )
        print(f"  CloudFormation calls on warm start       {max(warm_calls)} (target 0)")
        print(f"  one drift pass, 20 probes                {spread(drifts, 'ms', 1000)}")
        print(f"  drift cost per resource                  {median(drifts) / 20 * 1000:.2f} ms")
        return 0 if max(warm_calls) == 0 and median(warms) < 0.5 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--latency", type=float, default=1.0, help="modeled seconds per stack (second cold figure)"
    )
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.runs, args.latency)))
