"""The startup summary of ``pyspire run`` tells failures apart at a glance: a resource that failed
shows why, not the URL it would have had, and the headline counts what failed."""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pytest

from tests.integration.console_run import run_and_interrupt

PYSPIRE = str(Path(sys.executable).parent / "pyspire")

pytestmark = pytest.mark.slow

THREE_OF_EIGHT_FAIL = textwrap.dedent(
    """
    import sys
    from pyspire import DistributedApplication

    SLEEP = "import time; time.sleep(60)"
    builder = DistributedApplication.create_builder()
    builder.add_parameter("api-key", secret=True)
    builder.add_executable("web", "no-such-command-for-pyspire", ".").with_http_endpoint(env="PORT")
    builder.add_executable("lost", sys.executable, "./no-such-folder", "-c", SLEEP)
    for name in ("one", "two", "three", "four"):
        builder.add_executable(name, sys.executable, ".", "-c", SLEEP)
    builder.add_executable("site", sys.executable, ".", "-c", SLEEP).with_http_endpoint(env="PORT")
    builder.build().run()
    """
)


def row(output: str, name: str) -> str:
    """The first summary row of resource ``name``."""
    return re.search(rf"^{name}\s.*(?:Executable|Parameter).*$", output, re.M)[0]


async def test_summary_shows_why_resources_failed_and_counts_them(tmp_path):
    (tmp_path / "apphost.py").write_text(THREE_OF_EIGHT_FAIL)
    code, output = await run_and_interrupt(
        PYSPIRE, "run", "--no-color", "--no-resource-output", cwd=tmp_path, until=r"^site\s.*$"
    )
    assert code == 0, output
    headline = re.search(r"^app started in .*$", output, re.M)[0]
    assert "3 of 8 resources failed: api-key, web, lost" in headline, headline
    assert "was not found" in row(output, "web") and "http://" not in row(output, "web")
    assert "no-such-folder" in row(output, "lost") and "does not exist" in row(output, "lost")
    assert "Parameters__api-key" in row(output, "api-key")
    assert re.search(r"Running\s.*http://localhost:\d+", row(output, "site")), "a healthy resource keeps its URL"
