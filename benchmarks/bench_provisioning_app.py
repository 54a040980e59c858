#!/usr/bin/env python3
"""Benchmark what 20 AWS resources with cached state add to an app host's start, through a real
app host (``pyspire.testing.start``: the control plane, the executor, a real process).

Two apps, measured alternately ``--runs`` times (default 5) after one cold provisioning pass (and a
second cold pass at the end, on a reset moto, whose lazy imports then are done):

* **plain**: one executable (``print('up')``), no cloud resource;
* **aws**: the same executable plus ``add_aws_environment`` with 20 resources (8 buckets, 6 queues,
  4 tables, 2 CloudFormation templates taking a queue's ARN and a bucket's name) whose state is
  cached in ``.pyspire/deployments/aws.json`` from the cold pass.

Each figure: from entering ``testing.start`` until the executable logged ``up`` and (aws) every
cloud resource shows ``Provisioned``. ``aws − plain`` is what the cached cloud resources add to app
start (target: under 0.5 s), ``aws / plain`` the ratio; every AWS call the app host's clients make
in the warm runs is counted (target: none — no STS, no CloudFormation, nothing written).
moto runs as its own process (``python -m moto.server``), as a remote cloud would.

Usage: ``.venv/bin/python benchmarks/bench_provisioning_app.py [--runs 5]``
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

from pyspire import DistributedApplication, testing
from pyspire.provisioning import Scope, deployments_file
from pyspire.provisioning.aws import AwsClients, AwsEnvironment, apphost, environment

TOPIC = {
    "Parameters": {"ResourceName": {"Type": "String"}, "Queue": {"Type": "String"}, "Bucket": {"Type": "String"}},
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Ref": "ResourceName"}}}},
    "Outputs": {"TopicArn": {"Value": {"Ref": "Topic"}}, "Wired": {"Value": {"Fn::Sub": "${Bucket} ${Queue}"}}},
}
CALLS: list[str] = []


class Counting(AwsClients):
    """Clients whose every call (any service) is recorded (a boto3 ``before-call`` hook)."""

    def client(self, service: str, region: str | None = None) -> Any:
        fresh = (service, region or self.region) not in self._clients
        c = super().client(service, region)
        if fresh:
            c.meta.events.register("before-call", lambda model, **_: CALLS.append(f"{service}:{model.name}"))
        return c


def builder(folder: Path, endpoint: str | None) -> tuple[Any, list[str]]:
    b = DistributedApplication.create_builder(app_dir=folder)
    b.add_executable("worker", sys.executable, ".", "-c", "print('up', flush=True); import time; time.sleep(60)")
    names: list[str] = []
    if endpoint is not None:
        aws = b.add_aws_environment("aws", region="eu-west-1", stack_prefix="bench", endpoint_url=endpoint, poll_interval=0.05)
        buckets = [aws.add_s3_bucket(f"bucket{i}") for i in range(8)]
        queues = [aws.add_sqs_queue(f"queue{i}") for i in range(6)]
        tables = [aws.add_dynamodb_table(f"table{i}") for i in range(4)]
        topics = [
            aws.add_cloudformation_stack(
                f"topic{i}", TOPIC, {"Queue": queues[i].output_ref("QueueArn"), "Bucket": buckets[i].output_ref("BucketName")}
            )
            for i in range(2)
        ]
        names = [r.resource.name for r in (*buckets, *queues, *tables, *topics)]
    return b, names


async def start_once(folder: Path, endpoint: str | None, timeout: float = 120) -> float:
    """Seconds from entering ``testing.start`` until the worker is up and every resource provisioned."""
    b, names = builder(folder, endpoint)
    began = time.perf_counter()
    async with testing.start(b) as app:
        await app.wait_for_log("worker", "up", timeout=timeout)
        while any(app.resource(n).state_message != "Provisioned" for n in names):
            if time.perf_counter() - began > timeout:
                raise RuntimeError({n: app.resource(n).state_message for n in names})
            await asyncio.sleep(0.005)
        return time.perf_counter() - began


async def account_lookups(folder: Path, endpoint: str, runs: int) -> tuple[list[float], list[float]]:
    """What the cached account saves a warm start: ``get_caller_identity`` on fresh clients (as
    each app start would build them) against reading the state file."""
    scope = Scope("aws", "", "eu-west-1", "bench")
    sts, cached = [], []
    for _ in range(runs):
        began = time.perf_counter()
        await AwsEnvironment("aws", "eu-west-1", "bench", "", endpoint).resolve()
        sts.append(time.perf_counter() - began)
        began = time.perf_counter()
        assert apphost.cached_account(deployments_file(folder, "aws"), scope)
        cached.append(time.perf_counter() - began)
    return sts, cached


async def main(runs: int) -> int:
    apphost.AwsClients = Counting  # type: ignore[misc]  # every client the app host builds counts
    environment.AwsClients = Counting  # type: ignore[misc]
    with moto_process() as endpoint:
        print(f"bench_provisioning_app: {machine_note()}")
        with tempfile.TemporaryDirectory() as tmp:
            plain_dir, aws_dir = Path(tmp, "plain"), Path(tmp, "aws")
            plain_dir.mkdir()
            aws_dir.mkdir()
            cold = await start_once(aws_dir, endpoint)
            cold_calls = len(CALLS)
            await start_once(plain_dir, None)  # warm-up of the plain app too
            plains, warms, warm_calls = [], [], []
            for _ in range(runs):
                plains.append(await start_once(plain_dir, None))
                CALLS.clear()
                warms.append(await start_once(aws_dir, endpoint))
                warm_calls.append(len(CALLS))
            sts, cached = await account_lookups(aws_dir, endpoint, runs)
            reset(endpoint)
            deployments_file(aws_dir, "aws").unlink()
            CALLS.clear()
            cold_again = await start_once(aws_dir, endpoint)
        added = median(warms) - median(plains)
        print(f"20 AWS resources, moto server (own process), {runs} runs alternating\n")
        print(f"  first cold start (moto's lazy imports)   {cold:.3f} s ({cold_calls} AWS calls)")
        print(f"  cold start again, moto warm              {cold_again:.3f} s ({len(CALLS)} AWS calls)")
        print(f"  app start, no cloud resource (reference) {spread(plains)}")
        print(f"  app start, 20 cached AWS resources       {spread(warms)}")
        print(f"  added by the cached resources            {added:.3f} s (target < 0.5 s), ratio {median(warms) / median(plains):.2f}x")
        print(f"  AWS calls in the warm starts             {warm_calls} (target: none)")
        print(f"  account from STS (a fresh client)        {spread(sts, 'ms', 1000)}")
        print(f"  account from the cached state instead    {spread(cached, 'ms', 1000)}")
        return 0 if added < 0.5 and not any(warm_calls) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    sys.exit(asyncio.run(main(parser.parse_args().runs)))
