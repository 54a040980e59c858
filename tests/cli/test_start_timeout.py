"""``pyspire start --timeout N`` returns after N seconds even when the app host has nothing to say
meanwhile (a resource waiting for a parameter sends no event; keep-alives come every 15 s)."""

from __future__ import annotations

import json
import os
import textwrap
import time

import pytest

from tests.cli.test_cli import cli, ok

pytestmark = pytest.mark.slow

WAITS_FOR_A_PARAMETER = textwrap.dedent(
    """
    import sys
    from pyspire import DistributedApplication
    builder = DistributedApplication.create_builder()
    key = builder.add_parameter("api-key", secret=True)
    builder.add_executable("api", sys.executable, ".", "-c", "import time; time.sleep(60)").with_env("KEY", key)
    builder.build().run()
    """
)


@pytest.mark.parametrize("output_format", ["json", "table"])
def test_start_gives_up_waiting_at_its_timeout(tmp_path, output_format):
    (tmp_path / "apphost.py").write_text(WAITS_FOR_A_PARAMETER)
    env = dict(os.environ)  # with the private PYSPIRE_STATE_HOME conftest gives each test
    began = time.monotonic()
    result = cli("start", "--timeout", "2", "--format", output_format, cwd=tmp_path, env=env)
    took = time.monotonic() - began
    try:
        assert took < 2.0 + 2.5, f"pyspire start --timeout 2 took {took:.1f}s"
        assert result.returncode == 1, result.stderr
        if output_format == "json":
            report = json.loads(result.stdout)
            assert report["up"] is False
            assert 2.0 <= report["seconds"] <= 2.5, report["seconds"]
        else:
            assert "not every resource is up after 2s" in result.stdout
            assert "waiting for parameter api-key" in result.stdout
    finally:
        ok("stop", cwd=tmp_path, env=env)
