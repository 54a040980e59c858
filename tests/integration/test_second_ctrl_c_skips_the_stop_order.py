"""Shutdown waits for dependents before stopping what they depend on — but a second Ctrl+C still
kills everything at once, the dependency still waiting its turn included."""

from __future__ import annotations

import pytest

from tests.conftest import APPS
from tests.integration.test_no_orphans import leftover_pids, second_ctrl_c_kills_everything, start

pytestmark = pytest.mark.slow

APPHOST = """
import sys
from pyspire import DistributedApplication
b = DistributedApplication.create_builder()
db = (b.add_executable("db", sys.executable, ".", "-c",
        "import os, time; open({db_pid!r}, 'w').write(str(os.getpid())); time.sleep(600)")
      .with_connection_string("db://localhost").with_stop_grace_period(60))
(b.add_executable("stubborn", sys.executable, {apps!r}, "stubborn.py")
  .with_env("PIDS_TO", {pids!r}).with_stop_grace_period(60).with_reference(db))
b.build().run()
"""


async def test_a_second_ctrl_c_kills_a_dependent_in_its_grace_and_its_waiting_dependency(tmp_path):
    (tmp_path / "apphost.py").write_text(
        APPHOST.format(apps=str(APPS), pids=str(tmp_path / "pids"), db_pid=str(tmp_path / "db.pid"))
    )
    proc, output = await start(tmp_path)
    pids = await leftover_pids(tmp_path / "pids") + await leftover_pids(tmp_path / "db.pid")
    assert len(pids) >= 2
    # stubborn ignores SIGTERM (60 s grace); db waits for it to end before it is stopped.
    await second_ctrl_c_kills_everything(proc, pids, output)
