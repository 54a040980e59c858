"""The state folder: every file pyspire keeps in ``.pyspire/`` is where :class:`StateDir` names it,
readable only by the user, and written whole or not at all — a process killed mid-write, or a write
that fails half-way, leaves the previous content."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pyspire import DistributedApplication, testing
from pyspire.executor.container_launch import write_secret
from pyspire.executor.persistent_ports import PersistentPorts
from pyspire.runtime.files import write_atomic, write_json_atomic
from pyspire.runtime.stale_runs import remove_orphan_files
from pyspire.runtime.state_dir import StateDir
from tests.api.kube_helpers import wait_for_kubeconfig
from tests.conftest import PYTHON


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_an_app_host_keeps_its_files_where_the_state_dir_names_them_readable_only_by_the_user(tmp_path):
    folder = StateDir.of(tmp_path)
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    builder.add_executable("sleeper", PYTHON, ".", "-c", "import time; time.sleep(600)")
    async with testing.start(builder) as app:
        await app.wait_for_resource("sleeper")
        run_id = app.executor.run_id
        await wait_for_kubeconfig(folder.kubeconfig)
        assert json.loads(folder.run_file(run_id).read_text())["runId"] == run_id
        assert app.api.socket == str(folder.run_socket(run_id))
        assert app.api.kubeconfig == str(folder.kubeconfig)
        for path in (folder.run_file(run_id), folder.run_socket(run_id), folder.kubeconfig, folder.tls_bundle):
            assert mode(path) == 0o600, path
        assert mode(folder.tls_bundle.parent) == 0o700
        assert not list(folder.root.rglob("*.tmp")), "a temp file was left behind"


def test_secrets_and_persistent_ports_are_written_readable_only_by_the_user(tmp_path):
    folder = StateDir(tmp_path / ".pyspire")
    secret = write_secret(folder.run_secrets("run-1"), "db-password", "hunter2")
    assert secret.read_text() == "hunter2" and mode(secret) == 0o600 and mode(secret.parent) == 0o700
    PersistentPorts(folder.root).port_for("db/tcp", lambda: 41234)
    assert json.loads(folder.persistent_ports.read_text()) == {"db/tcp": 41234}
    assert mode(folder.persistent_ports) == 0o600
    assert PersistentPorts(folder.root).port_for("db/tcp", lambda: 1) == 41234


def test_a_write_that_fails_half_way_leaves_the_old_content_and_no_temp_file(tmp_path):
    path = tmp_path / "runs" / "r.json"
    write_json_atomic(path, {"version": 1})
    with pytest.raises(TypeError):
        write_json_atomic(path, {"version": 2, "then": object()})
    assert json.loads(path.read_text()) == {"version": 1}
    assert sorted(p.name for p in path.parent.iterdir()) == ["r.json"]


def test_a_leftover_temp_file_of_another_mode_does_not_loosen_the_new_file(tmp_path):
    path = tmp_path / "kubeconfig"
    leftover = tmp_path / f".kubeconfig.{os.getpid()}.tmp"
    leftover.write_text("half")
    leftover.chmod(0o644)
    write_atomic(path, "{}")
    assert path.read_text() == "{}" and mode(path) == 0o600


def test_a_process_killed_mid_write_leaves_the_old_content(tmp_path):
    """The writer is SIGKILLed after the new content is in its temp file and before the rename:
    the worst moment. Readers still see the old file, whole."""
    path = tmp_path / ".pyspire" / "runs" / "r.json"
    write_json_atomic(path, {"version": 1})
    writer = textwrap.dedent(
        f"""
        import os, sys
        from pathlib import Path
        from pyspire.runtime import files

        def stuck_before_rename(src, dst):
            print("written", flush=True)
            sys.stdin.read()  # until killed

        os.replace = stuck_before_rename
        files.write_json_atomic(Path({str(path)!r}), {{"version": 2, "padding": "x" * 100_000}})
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", writer], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == "written\n"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert json.loads(path.read_text()) == {"version": 1}
    assert mode(path) == 0o600
    temp = path.with_name(f".r.json.{child.pid}.tmp")
    assert temp.exists() and mode(temp) == 0o600, "the half-done write stays private too"
    write_json_atomic(path, {"version": 3})
    assert json.loads(path.read_text()) == {"version": 3}
    remove_orphan_files(StateDir.of(tmp_path).root)  # what the next app host in the folder does
    assert not temp.exists(), "the dead writer's temp file is cleaned up"
    assert json.loads(path.read_text()) == {"version": 3}
