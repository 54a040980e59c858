"""A run-mode policy (or the telemetry seam) can hand out a secret: returned as a
``SecretEnvValue`` it reaches the process as it is, and is masked in the snapshot, the resource
API and the console log like a secret parameter."""

from __future__ import annotations

import json

from pyspire import DistributedApplication, testing
from pyspire.executor.snapshots import MASK
from pyspire.extensions import RUN_MODE_POLICIES, RunModeContext, SecretEnvValue
from tests.conftest import APPS, PYTHON

TOKEN = "policy-made-token-4711"


def hand_out_a_token(ctx: RunModeContext) -> dict[str, str]:
    return {"CLUSTER_TOKEN": SecretEnvValue(TOKEN), "CLUSTER_NAME": "dev"}


async def test_a_policys_secret_reaches_the_process_and_no_output_shows_it(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("dump", PYTHON, APPS, "dump_env.py").with_env("DUMP_TO", str(tmp_path / "env.json"))
    b.add_executable("say", PYTHON, ".", "-c", "import os, time; print('token', os.environ['CLUSTER_TOKEN'], flush=True); time.sleep(60)")
    with RUN_MODE_POLICIES.registered(hand_out_a_token):
        async with testing.start(b) as app:
            await app.wait_for_log("dump", "dumped")
            await app.wait_for_log("say", "token")
            shown = {e.name: e for e in app.resource("dump").env}
            async with app.api_client() as client:
                listed = (await client.get("/v1/resources")).text
            logged = app.log_text("say")
    assert json.loads((tmp_path / "env.json").read_text())["env"]["CLUSTER_TOKEN"] == TOKEN
    assert (shown["CLUSTER_TOKEN"].value, shown["CLUSTER_TOKEN"].is_secret) == (MASK, True)
    assert (shown["CLUSTER_NAME"].value, shown["CLUSTER_NAME"].is_secret) == ("dev", False)
    assert TOKEN not in listed and "CLUSTER_TOKEN" in listed
    assert TOKEN not in logged and "token ***" in logged
