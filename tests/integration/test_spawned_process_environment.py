"""What the OS sees of a replica: the descriptor limit the app host was started with (not the one
it raised for its proxies), and a refusal by the OS as FailedToStart with the reason."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pyspire import DistributedApplication, testing

PYSPIRE = str(Path(sys.executable).parent / "pyspire")

APPHOST = textwrap.dedent(
    """
    import sys
    from pyspire import DistributedApplication
    b = DistributedApplication.create_builder()
    b.add_executable("probe", sys.executable, ".", "-c",
        "import resource; print('soft limit', resource.getrlimit(resource.RLIMIT_NOFILE)[0], flush=True)")
    b.build().run()
    """
)


@pytest.mark.slow
def test_a_replica_gets_the_descriptor_limit_the_app_host_was_started_with(tmp_path):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= 1024:
        pytest.skip(f"the hard descriptor limit here is {hard}: the app host cannot raise it")
    (tmp_path / "apphost.py").write_text(APPHOST)

    def low_soft_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))

    proc = subprocess.Popen(
        [PYSPIRE, "run", str(tmp_path), "--no-color"],
        env=dict(os.environ, PYSPIRE_STATE_HOME=str(tmp_path / "state")),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=low_soft_limit,
    )
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if "soft limit" in line:
            raised = Path(f"/proc/{proc.pid}/limits").read_text()
            proc.terminate()
            break
    proc.wait(30)
    assert any("soft limit 1024" in line for line in seen), "".join(seen)
    # ...while the app host itself runs with the raised limit its proxies need.
    open_files = next(line for line in raised.splitlines() if line.startswith("Max open files"))
    assert int(open_files.split()[3]) > 1024, open_files


async def test_an_environment_name_the_os_refuses_fails_only_that_resource_with_the_reason(tmp_path):
    builder = DistributedApplication.create_builder(app_dir=tmp_path)

    def bad_name(ctx):
        ctx.env["A=B"] = "1"  # a callback's result is not checked before start: the OS refuses it

    builder.add_executable("bad", sys.executable, ".", "-c", "print('never')").with_env(bad_name)
    builder.add_executable("good", sys.executable, ".", "-c", "import time; time.sleep(30)")
    async with testing.start(builder) as app:
        failed = await app.wait_for_resource("bad", "FailedToStart", timeout=10)
        assert "environment variable name" in (failed.state_message or ""), failed.state_message
        assert "env and args callbacks" in (failed.state_message or "")
        await app.wait_for_resource("good", "Running", timeout=10)
