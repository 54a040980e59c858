"""Ctrl+C in the terminal stops an app with containers without a false error: the terminal sends
SIGINT to its whole foreground process group, and no engine CLI call (``podman wait`` above all)
is in it, so none dies of a signal meant for the app host."""

from __future__ import annotations

import os
import signal

import pytest

from tests.containers.helpers import BUSYBOX, containers_labelled
from tests.integration.app_hosts import app_host, run_record

pytestmark = [pytest.mark.containers, pytest.mark.slow]

APPHOST = f"""
from pyspire import DistributedApplication
b = DistributedApplication.create_builder()
(b.add_container("box", {BUSYBOX!r})
  .with_entrypoint("sh").with_args("-c", "exec httpd -f -p 80 -h /www")
  .with_http_endpoint(target_port=80).with_stop_grace_period(0))
b.build().run()
"""


async def test_ctrl_c_in_the_terminal_stops_the_containers_without_a_false_error(tmp_path):
    (tmp_path / "apphost.py").write_text(APPHOST)
    # A session of its own: the app host leads its process group, as a foreground job does.
    async with app_host(tmp_path, start_new_session=True) as host:
        label = f"pyspire.dev/run={run_record(tmp_path)['runId']}"
        os.killpg(host.proc.pid, signal.SIGINT)  # what the terminal does on Ctrl+C
        text = await host.finish(sig=None)
    assert host.proc.returncode == 0, text
    assert "lost track" not in text and "failed" not in text and "WARNING" not in text, text
    assert containers_labelled(label) == []
