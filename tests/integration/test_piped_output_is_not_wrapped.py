"""Output on a pipe (a CI log) keeps each line whole: with no terminal and no COLUMNS, rich would
lay everything out for 80 columns and split paths and URLs in two."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.integration.console_run import run_and_interrupt

PYSPIRE = str(Path(sys.executable).parent / "pyspire")
LONG = "a-folder-with-a-name-long-enough-that-its-path-cannot-fit-in-eighty-columns"

pytestmark = pytest.mark.slow


def without_columns() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "COLUMNS"}


async def test_the_app_hosts_summary_keeps_long_reasons_on_one_line(tmp_path):
    (tmp_path / "apphost.py").write_text(
        textwrap.dedent(
            f"""
            import sys
            from pyspire import DistributedApplication
            builder = DistributedApplication.create_builder()
            builder.add_executable("lost", sys.executable, "./{LONG}/{LONG}", "-c", "pass")
            builder.add_executable("fine", sys.executable, ".", "-c", "import time; time.sleep(60)")
            builder.build().run()
            """
        )
    )
    code, output = await run_and_interrupt(
        PYSPIRE, "run", "--no-color", "--no-resource-output", cwd=tmp_path, until=r"^fine\s.*$"
    )
    assert code == 0, output
    reason = f"working directory '{tmp_path}/{LONG}/{LONG}' does not exist or is not a directory"
    assert any(line.startswith("lost ") and reason in line for line in output.splitlines()), output


def test_cli_errors_keep_long_paths_on_one_line(tmp_path):
    missing = tmp_path / LONG / "apphost.py"
    result = subprocess.run(
        [PYSPIRE, "describe", "--apphost", str(missing)],
        capture_output=True, text=True, env=without_columns(), timeout=30, check=False,
    )
    assert result.returncode == 2
    assert any(str(missing) in line and "start it with" in line for line in result.stderr.splitlines()), result.stderr


def test_model_errors_keep_each_problem_on_one_line(tmp_path):
    (tmp_path / "apphost.py").write_text(
        "from pyspire import DistributedApplication\n"
        "b = DistributedApplication.create_builder()\n"
        "b.add_executable('api', 'python', '.').with_http_endpoint(port=80, target_port=81, proxied=False)\n"
        "b.build().run()\n"
    )
    result = subprocess.run(
        [PYSPIRE, "run"], cwd=tmp_path, capture_output=True, text=True, env=without_columns(), timeout=30, check=False
    )
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert any(line.endswith("nothing was started.") and str(tmp_path) in line for line in lines), result.stderr
    assert any("resource api, endpoint 'http'" in line and "give only one of them" in line for line in lines), (
        result.stderr
    )
