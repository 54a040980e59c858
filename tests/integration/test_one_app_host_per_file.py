"""One app host per apphost.py: a second one is refused with `pyspire start`'s message, whichever
way it is started (`pyspire run`, `python apphost.py`, the testing harness), before it starts
anything, and the running one keeps its kubeconfig and its run file."""

from __future__ import annotations

import sys

import pytest

from pyspire import testing
from tests.conftest import APPS
from tests.integration.app_hosts import PYSPIRE, app_host, run_record, until_exists

pytestmark = pytest.mark.slow

APPHOST = f"""
import sys
from pyspire import DistributedApplication
b = DistributedApplication.create_builder()
b.add_executable("web", sys.executable, {str(APPS)!r}, "http_env.py").with_http_endpoint(env="PORT")
b.build().run()
"""


@pytest.mark.parametrize("how", ["pyspire run", "python apphost.py"])
async def test_a_second_app_host_of_the_same_file_is_refused_and_the_first_keeps_its_files(tmp_path, how):
    apphost = tmp_path / "apphost.py"
    apphost.write_text(APPHOST)
    kubeconfig = tmp_path / ".pyspire" / "kubeconfig"
    async with app_host(tmp_path) as first:
        run = run_record(tmp_path)
        await until_exists(kubeconfig)
        before = kubeconfig.read_text()
        argv = [PYSPIRE, "run", str(apphost), "--no-color"] if how == "pyspire run" else [sys.executable, str(apphost)]
        async with app_host(tmp_path, argv, started=None) as second:
            text = await second.finish(sig=None, timeout=15)
        assert second.proc.returncode == 2, text
        assert (
            f"{apphost} is already running (pid {first.proc.pid}, API {run['api']['url']}); "
            "stop it first with: pyspire stop"
        ) in text, text
        assert "Traceback" not in text, text
        assert first.proc.returncode is None
        assert kubeconfig.read_text() == before
        assert run_record(tmp_path)["runId"] == run["runId"]


async def test_the_testing_harness_is_refused_while_pyspire_run_runs_the_file(tmp_path):
    apphost = tmp_path / "apphost.py"
    apphost.write_text(APPHOST)
    async with app_host(tmp_path) as first:
        with pytest.raises(Exception, match=f"is already running \\(pid {first.proc.pid}, API "):
            async with testing.start(apphost):
                pass
        assert first.proc.returncode is None
    async with testing.start(apphost) as app:  # once it has stopped, the file runs again
        await app.wait_for_resource("web")
