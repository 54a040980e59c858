"""A local user without the token cannot take the app host down by opening connections to its
control API and sending nothing: with three times more such connections than the app host may
hold descriptors, its descriptor count stays bounded, and an authenticated request, a proxied
request and a restart all work meanwhile. A real ``pyspire run`` (its descriptor limit lowered to
1024 for it alone), the real CLI, real sockets."""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from pyspire.runtime.apphosts import RunningAppHost, read_run_file
from pyspire.runtime.limits import descriptor_budget
from tests.conftest import APPS

PYSPIRE = str(Path(sys.executable).parent / "pyspire")
LIMIT = 1024
FLOOD = 3 * LIMIT

pytestmark = pytest.mark.slow

APPHOST = textwrap.dedent(
    """
    import sys
    from pyspire import DistributedApplication

    builder = DistributedApplication.create_builder()
    (builder.add_executable("web", sys.executable, {apps!r}, "http_env.py")
     .with_http_endpoint(env="PORT").with_http_health_check("/"))
    builder.build().run()
    """
).format(apps=str(APPS))


def lowered_limit() -> None:
    """In the app host's process only, before it starts: soft and hard limit 1024."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, LIMIT))


def descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def api_of(folder: Path, app_host: subprocess.Popen[bytes], log: Path) -> RunningAppHost:
    """The app host's API once it is recorded in its run file (moments after it starts)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert app_host.poll() is None, log.read_text()
        for run_file in (folder / ".pyspire" / "runs").glob("*.json"):
            found = read_run_file(run_file)
            if found is not None:
                return found
        time.sleep(0.05)
    raise AssertionError("the app host never recorded its API:\n" + log.read_text())


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PYSPIRE, *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


def test_idle_connections_cannot_exhaust_the_app_host(tmp_path):
    (tmp_path / "apphost.py").write_text(APPHOST)
    log = tmp_path / "apphost.log"
    with open(log, "wb") as sink:
        app_host = subprocess.Popen(
            [PYSPIRE, "run", "--no-resource-output", "--no-color"],
            cwd=tmp_path, stdout=sink, stderr=subprocess.STDOUT, preexec_fn=lowered_limit,
        )
    flood: list[socket.socket] = []
    try:
        api = api_of(tmp_path, app_host, log)
        healthy = cli("wait", "web", "--for", "healthy", "--timeout", "60", cwd=tmp_path)
        assert healthy.returncode == 0, healthy.stderr + log.read_text()
        host, port = api.api_url.removeprefix("http://").split(":")
        web = json.loads(cli("describe", "web", "--format", "json", cwd=tmp_path).stdout)["urls"][0]["url"]
        authenticated = httpx.Client(base_url=api.api_url, headers={"Authorization": f"Bearer {api.token}"})
        before = descriptors(app_host.pid)

        for _ in range(FLOOD):  # connect and send nothing, as many as the app host may hold, thrice
            flood.append(socket.create_connection((host, int(port)), timeout=10))
        budget = descriptor_budget(LIMIT)
        during = descriptors(app_host.pid)
        assert during <= before + budget.max_idle + 16 < budget.ceiling, (before, during)

        assert authenticated.get("/v1/resources").status_code == 200
        assert httpx.get(web, timeout=10).status_code == 200
        pid = json.loads(cli("describe", "web", "--format", "json", cwd=tmp_path).stdout)["replicas"][0]["pid"]
        restarted = cli("resource", "web", "restart", cwd=tmp_path)
        assert restarted.returncode == 0, restarted.stderr
        assert cli("wait", "web", "--for", "healthy", "--timeout", "30", cwd=tmp_path).returncode == 0
        now = json.loads(cli("describe", "web", "--format", "json", cwd=tmp_path).stdout)["replicas"][0]["pid"]
        assert now != pid and httpx.get(web, timeout=10).status_code == 200
        assert descriptors(app_host.pid) <= before + budget.max_idle + 16

        for sock in flood:
            sock.close()
        flood.clear()
        deadline = time.monotonic() + 15
        while descriptors(app_host.pid) > before + 4 and time.monotonic() < deadline:
            time.sleep(0.1)  # the app host closes its side as it reads each EOF
        assert descriptors(app_host.pid) <= before + 4
        authenticated.close()
    finally:
        for sock in flood:
            sock.close()
        app_host.send_signal(signal.SIGINT)  # Ctrl+C
        try:
            app_host.wait(30)
        except subprocess.TimeoutExpired:
            app_host.kill()
            app_host.wait()
    text = log.read_text()
    assert "Traceback" not in text and "Too many open files" not in text, text
    assert text.count("sent no request: closing the oldest") == 1, text
