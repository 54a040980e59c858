"""Under load the app host stays in control: Ctrl+C while hundreds of replicas are being created
stops it promptly with nothing left, and a crash loop keeps no state per restart."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid

from pyspire import DistributedApplication, testing
from pyspire.app import RunOptions
from tests.conftest import PYTHON, processes_with_marker

REPLICAS = 500


async def test_ctrl_c_while_many_replicas_are_created_stops_creating_them_and_leaves_nothing(tmp_path):
    marker = f"pyspire-test-{uuid.uuid4().hex}"
    rendered = []

    def press_ctrl_c_once(ctx):
        rendered.append(ctx)
        if len(rendered) == 1:
            os.kill(os.getpid(), signal.SIGINT)  # as the terminal does on Ctrl+C

    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("many", "sleep", ".", "60").with_env("TEST_MARKER", marker).with_env(
        press_ctrl_c_once
    ).with_replicas(REPLICAS)
    app = b.build()
    loop = asyncio.get_running_loop()
    began = loop.time()
    code = await asyncio.wait_for(app.run_async(RunOptions(show_output=False, color=False)), 30)
    took = loop.time() - began
    assert code == 0
    # The signal was handled while creating: creation stopped long before the 500th replica.
    assert len(rendered) < REPLICAS // 2, len(rendered)
    assert processes_with_marker(marker) == []
    assert took < 20, took


async def test_a_crash_loop_keeps_no_state_per_restart(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    # A server that crashes before it listens, on every start.
    b.add_executable("crashy", PYTHON, ".", "-S", "-c", "raise SystemExit(1)").with_http_endpoint(
        env="PORT"
    ).with_restart_policy("always", initial_backoff=0.1, max_backoff=0.1)
    async with testing.start(b) as app:
        runner = app.executor.runners["crashy"]
        listening = app.orchestrator.executables._listening

        async def after_restarts(count: int) -> tuple[int, int]:
            async with asyncio.timeout(30):
                while app.resource("crashy").restart_count < count:
                    await asyncio.sleep(0.02)
            return len(asyncio.all_tasks()), sum(len(w) for w in listening._waiters.values())

        tasks, waiters = await after_restarts(3)
        more_tasks, more_waiters = await after_restarts(23)
        assert more_tasks <= tasks + 2, (tasks, more_tasks)  # no task left behind per restart
        assert more_waiters <= 1 and waiters <= 1
        bookkeeping = runner.core.replicas
        assert len(bookkeeping.index) == len(bookkeeping.uids) == 1
