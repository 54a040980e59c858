"""Names given to the CLI never become another URL: a resource or replica name that is not one
is refused before anything is sent (exit 2, with the rule it breaks), every other argument goes
into its path segment escaped, and an answer of an unexpected shape is a clean error, never a
traceback. The CLI runs as a real subprocess against a real app host (or, for the odd answers,
against a real HTTP server recorded as one)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pyspire import DistributedApplication, testing
from pyspire.runtime.procs import start_ticks
from tests.conftest import PYTHON

PYSPIRE = str(Path(sys.executable).parent / "pyspire")
SLEEPER = "import time; print('up', flush=True); time.sleep(600)"


async def cli(*args: str, cwd: Path) -> tuple[int, str, str]:
    """``pyspire ARGS`` as a subprocess, awaited so that the app host in this loop can answer it."""
    process = await asyncio.create_subprocess_exec(
        PYSPIRE, *args, cwd=cwd, env={**os.environ, "COLUMNS": "200"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def flush(ctx):
    return None  # success


async def test_names_that_are_not_names_are_refused_and_nothing_else_is_touched(tmp_path):
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    builder.add_executable("web", PYTHON, ".", "-c", SLEEPER).with_command("flush", "Flush", flush)
    builder.add_executable("other", PYTHON, ".", "-c", SLEEPER)
    async with testing.start(builder) as app:
        await app.wait_for_log("web", "up")
        await app.wait_for_log("other", "up")

        code, out, err = await cli("resource", "web", "../../../stop", cwd=tmp_path)
        assert code == 1 and "no such path: /v1/resources/web/commands/../../../stop" in err, err
        assert "Traceback" not in err and not app.running.stop_requested.is_set()

        code, out, err = await cli("resource", "zzz/../other", "stop", cwd=tmp_path)
        assert code == 2 and "'zzz/../other' is not a resource name" in err and "lowercase letters" in err, err

        code, out, err = await cli("logs", "../../../etc/passwd", cwd=tmp_path)
        assert code == 2 and "'..' is not a resource name" in err and out == "", (out, err)
        code, out, err = await cli("logs", "web/../../other", cwd=tmp_path)
        assert code == 2 and "'../../other' is not a replica name" in err and out == "", (out, err)
        for args in (("describe", ".."), ("wait", "../other"), ("resource", "", "stop")):
            code, _, err = await cli(*args, cwd=tmp_path)
            assert code == 2 and "is not a resource name" in err, (args, err)

        code, out, err = await cli("resource", "web", "..", cwd=tmp_path)  # escaped, not resolved
        assert code == 1 and "resource 'web' has no command '..'" in err, err
        code, out, err = await cli("resource", "web", "flush", cwd=tmp_path)
        assert code == 0 and "✓ flush web" in out, err
        assert app.resource("other").state == "Running" and app.resource("web").state == "Running"
        assert not app.running.stop_requested.is_set()


class _Impostor(BaseHTTPRequestHandler):
    """Answers every request from ``ANSWERS`` (path → body), 200, whatever was asked."""

    ANSWERS: dict[str, bytes] = {}

    def _answer(self) -> None:
        body = self.ANSWERS.get(self.path.split("?")[0], b"{}")
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def impostor(tmp_path) -> Iterator[Path]:
    """A real HTTP server recorded in ``tmp_path/.pyspire/runs`` as if it were an app host."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Impostor)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    runs = tmp_path / ".pyspire" / "runs"
    runs.mkdir(parents=True)
    record = {
        "runId": "impostor",
        "appHost": str(tmp_path / "apphost.py"),
        "startedAt": "2024-01-01T00:00:00Z",
        "api": {"url": f"http://127.0.0.1:{server.server_port}", "token": "t", "socket": None, "kubeconfig": None},
        "appHostPid": os.getpid(),
        "appHostStart": start_ticks(os.getpid()),
    }
    (runs / "impostor.json").write_text(json.dumps(record))
    try:
        yield tmp_path
    finally:
        server.shutdown()
        server.server_close()


def snapshot(**changes: object) -> dict:
    return {"name": "web", "state": "Running", "resource_type": "Executable", **changes}


@pytest.mark.parametrize(
    ("args", "path", "answer", "said"),
    [
        (("resource", "web", "stop"), "/v1/resources/web/commands/stop", {"stopping": True}, "'success'"),
        (("resource", "web", "stop"), "/v1/resources/web/commands/stop",
         {"success": True, "snapshot": {"state": "Running"}}, "'name'"),
        (("describe",), "/v1/resources", {"resources": [{"name": 5}]}, "'name'"),
        (("describe",), "/v1/resources", ["not", "an", "object"], "not a JSON object"),
        (("describe", "web"), "/v1/resources/web", snapshot(replicas=["web-x"]), "replicas"),
        (("describe", "web"), "/v1/resources/web", snapshot(env=[{"name": "A", "value": 1}]), "'value'"),
        (("describe", "web"), "/v1/resources/web", snapshot(properties=["not", "a", "map"]), "AttributeError"),
        (("wait", "web"), "/v1/resources/web", "<html>", "not JSON"),
        (("logs", "--tail", "1"), "/v1/logs", "{not json", "not JSON"),
        (("logs", "--tail", "1"), "/v1/logs", {"text": "no other fields"}, "a log line"),
        (("ps",), "/v1/info", {"resources": 3}, None),  # listed anyway, without counts
    ],
)
def test_an_answer_of_an_unexpected_shape_is_a_clean_error(impostor, args, path, answer, said):
    import subprocess

    _Impostor.ANSWERS = {path: answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()}
    result = subprocess.run(
        [PYSPIRE, *args], cwd=impostor, capture_output=True, text=True, timeout=30, check=False,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert "Traceback" not in result.stderr, result.stderr
    if said is None:
        assert result.returncode == 0 and str(impostor / "apphost.py") in result.stdout
        return
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert said in result.stderr and "error" in result.stderr.lower(), result.stderr
