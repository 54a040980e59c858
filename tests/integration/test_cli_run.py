"""``pyspire run`` of the bundled example as a real subprocess: reachable, then gone after SIGINT."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from tests.conftest import processes_with_marker

ROOT = Path(__file__).resolve().parents[2]
PYSPIRE = str(Path(sys.executable).parent / "pyspire")

pytestmark = pytest.mark.slow


async def read_until(
    stream: asyncio.StreamReader, pattern: str, output: list[str], timeout: float = 20
) -> re.Match:
    regex = re.compile(pattern, re.M)

    async def scan() -> re.Match:
        while True:
            line = await stream.readline()
            if not line:
                raise AssertionError("pyspire exited early:\n" + "".join(output))
            output.append(line.decode())
            match = regex.search("".join(output))
            if match:
                return match

    return await asyncio.wait_for(scan(), timeout)


async def test_pyspire_run_example_then_sigint_leaves_nothing_behind():
    marker = f"PYSPIRE_TEST_MARKER={uuid.uuid4()}"
    env = dict(os.environ, PYSPIRE_TEST_MARKER=marker.split("=", 1)[1], COLUMNS="160")
    proc = await asyncio.create_subprocess_exec(
        PYSPIRE,
        "run",
        str(ROOT / "examples" / "shop"),
        "--no-color",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
    )
    output: list[str] = []
    try:
        assert proc.stdout is not None
        await read_until(proc.stdout, r"app started in", output)
        match = await read_until(proc.stdout, r"^catalog\s.*Running.*?(http://localhost:\d+)", output)
        catalog = match.group(1)
        await read_until(proc.stdout, r"^worker\s", output)
        assert len(processes_with_marker(marker)) >= 5  # 2 catalog replicas, orders, frontend, worker

        replicas = set()
        async with httpx.AsyncClient(limits=httpx.Limits(max_keepalive_connections=0)) as client:
            for _ in range(30):
                response = await client.get(catalog + "/products")
                assert response.status_code == 200
                replicas.add(response.json()["replica"])
        assert len(replicas) == 2, replicas

        proc.send_signal(signal.SIGINT)
        rest = await asyncio.wait_for(proc.stdout.read(), 30)
        output.append(rest.decode())
        assert await proc.wait() == 0, "".join(output)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    text = "".join(output)
    assert "app stopped" in text
    assert processes_with_marker(marker) == [], text


async def run_to_end(
    *argv: str, cwd: Path, timeout: float = 20, sigint_after: str | None = None
) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *argv,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=dict(os.environ, COLUMNS="160"),
    )
    assert proc.stdout is not None
    output: list[str] = []
    try:
        if sigint_after:
            await read_until(proc.stdout, sigint_after, output, timeout)
            proc.send_signal(signal.SIGINT)
        output.append((await asyncio.wait_for(proc.stdout.read(), timeout)).decode())
        return await proc.wait(), "".join(output)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_invalid_model_is_reported_before_anything_starts(tmp_path):
    (tmp_path / "apphost.py").write_text(
        "from pyspire import DistributedApplication\n"
        "b = DistributedApplication.create_builder()\n"
        "b.add_executable('Bad_Name', 'python', '.')\n"
        "b.add_executable('api', 'python', '.').with_http_endpoint(port=80, target_port=81, proxied=False)\n"
        "b.build().run()\n"
    )
    code, output = await run_to_end(PYSPIRE, "run", cwd=tmp_path)
    assert code == 2
    assert "nothing was started" in output
    assert "resource Bad_Name, name:" in output
    assert "resource api, endpoint 'http':" in output
    assert not (tmp_path / ".pyspire" / "runs").exists()


async def test_missing_apphost_is_a_clear_error(tmp_path):
    code, output = await run_to_end(PYSPIRE, "run", cwd=tmp_path)
    assert code == 2 and "no app host at" in output and "apphost.py" in output


async def test_python_apphost_py_runs_the_app_too(tmp_path):
    (tmp_path / "apphost.py").write_text(
        "import sys\n"
        "from pyspire import DistributedApplication\n"
        "b = DistributedApplication.create_builder()\n"
        "b.add_executable('hello', sys.executable, '.', '-c', 'print(\"hi from hello\")')\n"
        "b.build().run()\n"
    )
    code, output = await run_to_end(sys.executable, "apphost.py", cwd=tmp_path, sigint_after=r"hi from hello")
    assert code == 0, output
    assert "app stopped" in output


@pytest.mark.parametrize("delay", [0.15, 0.25, 0.35, 0.5])
async def test_ctrl_c_during_startup_always_stops_everything(delay):
    marker = str(uuid.uuid4())
    proc = await asyncio.create_subprocess_exec(
        PYSPIRE,
        "run",
        str(ROOT / "examples" / "shop"),
        "--no-resource-output",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        env=dict(os.environ, PYSPIRE_TEST_MARKER=marker),
    )
    await asyncio.sleep(delay)
    proc.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(proc.wait(), 15)
    finally:
        if proc.returncode is None:
            proc.kill()
    for _ in range(100):
        if not processes_with_marker(f"PYSPIRE_TEST_MARKER={marker}"):
            break
        await asyncio.sleep(0.05)
    assert processes_with_marker(f"PYSPIRE_TEST_MARKER={marker}") == []


async def test_closed_stdout_does_not_take_the_app_host_down():
    marker = str(uuid.uuid4())
    read_end, write_end = os.pipe()
    proc = await asyncio.create_subprocess_exec(
        PYSPIRE,
        "run",
        str(ROOT / "examples" / "shop"),
        "--no-color",
        stdout=write_end,
        stderr=asyncio.subprocess.DEVNULL,
        env=dict(os.environ, PYSPIRE_TEST_MARKER=marker, COLUMNS="160"),
    )
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:  # like `| head -3`: read a little, then hang up
        for _ in range(3):
            await asyncio.to_thread(reader.readline)
    try:
        await asyncio.sleep(1.5)  # the worker keeps printing into the closed pipe
        assert proc.returncode is None, "the app host died with its stdout"
        assert len(processes_with_marker(f"PYSPIRE_TEST_MARKER={marker}")) >= 5
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.wait(), 15)
    finally:
        if proc.returncode is None:
            proc.kill()
    assert processes_with_marker(f"PYSPIRE_TEST_MARKER={marker}") == []
