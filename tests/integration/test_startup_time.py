""""app started in X s" counts the app host's own start-up, not what ran in the process before
it: a script that installs pyspire and then ``exec``s it (``scripts/example.sh``) keeps the
shell's process start time, and the install used to be counted."""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pytest

from tests.integration.console_run import run_and_interrupt

PYSPIRE = str(Path(sys.executable).parent / "pyspire")
BEFORE_EXEC = 3.0

pytestmark = pytest.mark.slow


async def test_start_up_time_leaves_out_what_ran_before_exec(tmp_path):
    (tmp_path / "apphost.py").write_text(
        textwrap.dedent(
            """
            import sys
            from pyspire import DistributedApplication
            builder = DistributedApplication.create_builder()
            builder.add_executable("hello", sys.executable, ".", "-c", "import time; time.sleep(60)")
            builder.build().run()
            """
        )
    )
    # `sleep` stands for the pip install scripts/example.sh runs before its `exec`.
    script = f"sleep {BEFORE_EXEC}; exec {PYSPIRE} run --no-color --no-resource-output"
    code, output = await run_and_interrupt("bash", "-c", script, cwd=tmp_path, until=r"app started in [0-9.]+s")
    assert code == 0, output
    seconds = float(re.search(r"app started in ([0-9.]+)s", output)[1])
    assert seconds < BEFORE_EXEC, output
