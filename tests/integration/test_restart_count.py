"""One restart count with one meaning: how many times the app host replaced a replica by itself —
its restart policy after an exit, or a replacement for an object a client deleted. The log's
"restart N", the snapshot's ``restart_count`` (the API's, which ``pyspire describe`` prints as
Restarts) agree; starting or restarting by command is not counted."""

from __future__ import annotations

import re

from pyspire import DistributedApplication, testing
from pyspire.testing import AppHandle
from tests.conftest import PYTHON, until

#: Crashes on its 1st and 3rd run, otherwise prints "up" and sleeps.
FLAKY = """
import os, sys, time
runs = os.path.join(os.getcwd(), "runs")
with open(runs, "a") as f:
    f.write("x")
n = len(open(runs).read())
if n in (1, 3):
    sys.exit(1)
print("up", n, flush=True)
time.sleep(60)
"""


def logged_restarts(app: AppHandle, name: str) -> list[int]:
    return [int(n) for n in re.findall(r"^restart (\d+): ", app.log_text(name), re.MULTILINE)]


async def test_policy_restarts_and_replaced_deleted_replicas_share_one_count(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("flaky", PYTHON, tmp_path, "-c", FLAKY).with_restart_policy(
        "on_failure", initial_backoff=0.1, max_backoff=0.1
    )
    async with testing.start(b) as app, app.api_client() as api:
        await app.wait_for_log("flaky", "up 2")  # run 1 crashed: restart 1
        assert app.resource("flaky").restart_count == 1 and logged_restarts(app, "flaky") == [1]

        deleted = app.resource("flaky").replicas[0].name
        app.orchestrator.store.delete("Executable", deleted)  # what kubectl delete does
        await app.wait_for_log("flaky", "up 4")  # restart 2 (the delete), run 3 crashed: restart 3
        snapshot = await until(app, "flaky", lambda s: s.state == "Running" and s.restart_count == 3)
        assert logged_restarts(app, "flaky") == [1, 2, 3]
        text = app.log_text("flaky")
        assert f"restart 2: {deleted} replaced by " in text
        assert "restarting in 0.1s (exited once)" in text  # the backoff streak is worded apart
        served = (await api.get("/v1/resources/flaky")).json()
        assert served["restart_count"] == 3

        # Commands are the user's doing: not counted.
        assert (await app.execute_command("flaky", "restart")).success
        await app.wait_for_log("flaky", "up 5")
        assert app.resource("flaky").restart_count == 3 and logged_restarts(app, "flaky") == [1, 2, 3]
        assert snapshot.replicas[0].name != app.resource("flaky").replicas[0].name
