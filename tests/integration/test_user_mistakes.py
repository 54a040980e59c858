"""A user's mistakes in apphost.py, through `pyspire run`: each is told with the resource, the field,
the fix and the user's line, before anything starts, with exit code 2 and none of pyspire's internals.

The table runs the real `run` command in this process (click's runner: the same code as the
console script, without 40 interpreter start-ups); the tests below it start real processes.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import NoReturn

import pytest
from click.testing import CliRunner

from pyspire import DistributedApplication
from pyspire.cli.main import cli

PYSPIRE = str(Path(sys.executable).parent / "pyspire")

PREAMBLE = (
    "import sys\n"
    "from pyspire import DistributedApplication, expr\n"
    "b = DistributedApplication.create_builder()\n"
    "b.add_executable('canary', sys.executable, '.', '-c', 'open(\"started\", \"w\").close()')\n"
    "api = b.add_executable('api', sys.executable, '.', '-c', 'pass')\n"
    "db = b.add_connection_string('db')\n"
    "mig = b.add_executable('migrate', sys.executable, '.', '-c', 'pass')\n"
)
BROKEN_LINE = 8  # the line each mistake below is written on (its last line, if it has several)

#: (the mistake, from line 8; the resource named; the field named; how the message starts)
MISTAKES = [
    ("api.with_replicas('3')", "api", "with_replicas", "'3' is not a whole number; pass an int, e.g. with_replicas(3)"),
    ("api.with_replicas(True)", "api", "with_replicas", "True is not a whole number"),
    ("api.with_replicas(10**6)", "api", "replicas", "1,000,000 is too many; at most 1,000 replicas run in one app"),
    (
        "b.add_executable('a', sys.executable, '.').with_replicas(600); api.with_replicas(500)",
        "a",
        "replicas",
        "the app would run 1,102 replicas in all (api: 500, a: 600); at most 1,000",
    ),
    ("api.with_replicas(0)", "api", "replicas", "0 is not a replica count; use 1 or more"),
    ("api.with_http_endpoint(port='8080')", "api", "with_http_endpoint port", "'8080' is not a whole number; pass an int, e.g. port=8080"),
    ("api.with_http_endpoint(port=70000)", "api", "endpoint 'http' port", "70000 is not a port (1-65535)"),
    ("api.with_http_endpoint(proxied='no')", "api", "with_http_endpoint proxied", "'no' is not True or False"),
    ("api.with_stop_grace_period('abc')", "api", "with_stop_grace_period", "'abc' is not a number; pass an int or a float"),
    ("api.with_log_buffer('100')", "api", "with_log_buffer", "'100' is not a whole number"),
    (
        "api.with_reference('db')",
        "api",
        "with_reference",
        "'db' is a name, not a resource; pass the builder add_connection_string('db') returned, e.g. with_reference(db)",
    ),
    ("api.with_reference(42)", "api", "with_reference", "42 is not a resource"),
    (
        "api.wait_for('migrate')",
        "api",
        "wait_for",
        "'migrate' is a name, not a resource; pass the builder add_executable('migrate') returned, e.g. wait_for(migrate)",
    ),
    ("api.with_env('X', None)", "api", "with_env('X')", "no value (None); pass a string, a number, a parameter"),
    ("api.with_env(None, 'x')", "api", "with_env", "None is not a variable name; pass a name and a value"),
    ("api.with_env('X', {'password': 'hunter2'})", "api", "with_env('X')", "a dict is not a value; pass a string"),
    ("api.with_env(lambda ctx: None, 'x')", "api", "with_env(callback)", "takes no value"),
    ("api.with_env('A=B', '1')", "api", "with_env('A=B')", "'A=B' contains '='; a variable name cannot"),
    ("api.with_env('', '1')", "api", "with_env('')", "the variable name is empty"),
    ("api.with_env('X', 'a\\0b')", "api", "with_env('X')", "the value contains a NUL character"),
    ("api.with_args('--name', None)", "api", "with_args", "command-line argument 2, None, is not a value"),
    ("api.with_args('--name', 'a\\0b')", "api", "args", "command-line argument 2 contains a NUL character"),
    ("api.with_http_endpoint(env='A=B')", "api", "endpoint 'http' env", "'A=B' contains '='"),
    (
        "api.with_http_endpoint(env='PORT').with_endpoint('admin', env='PORT')",
        "api",
        "env='PORT'",
        "2 endpoints ('http', 'admin') write the port to listen on into PORT",
    ),
    ("api.with_health_check(42)", "api", "with_health_check", "42 is not an async function; make it `async def`"),
    ("api.with_health_check(lambda: True)", "api", "with_health_check", "a lambda is not async (its result is never awaited); make it `async def`"),
    ("def check(): return True\napi.with_health_check(check)", "api", "with_health_check", "function 'check' is not async"),
    (
        "api.with_http_endpoint().with_http_health_check('health')",
        "api",
        "health check 'httphealth'",
        "the path 'health' must start with '/', e.g. '/health'",
    ),
    (
        "api.with_http_endpoint().with_http_health_check('/', status_code=42)",
        "api",
        "health check 'http/'",
        "status_code 42 is not an HTTP status (100-599)",
    ),
    ("api.with_http_health_check(status_code='200')", "api", "with_http_health_check status_code", "'200' is not a whole number"),
    (
        "api.with_endpoint('dns', scheme='http', protocol='udp').with_http_health_check()",
        "api",
        "health check 'http/'",
        "an HTTP check cannot probe the UDP endpoint 'dns'",
    ),
    (
        "api.with_endpoint('dns', protocol='udp').with_tcp_health_check()",
        "api",
        "health check 'tcp-default'",
        "a TCP check cannot probe the UDP endpoint 'dns'",
    ),
    ("api.with_health_check_interval(unhealthy=0)", "api", "health_check_interval unhealthy", "0 s is below the 0.05 s floor"),
    ("api.wait_for_completion(mig, exit_code='0')", "api", "wait_for_completion exit_code", "'0' is not a whole number; pass an int, e.g. exit_code=0"),
    ("api.wait_for_completion(mig, exit_code=300)", "api", "wait_for_completion('migrate') exit_code", "300 is not an exit status; use 0-255"),
    ("api.with_restart_policy('always', initial_backoff=0)", "api", "restart_policy initial_backoff", "0 s is below the 0.1 s floor"),
    (
        "api.with_restart_policy('always', initial_backoff=5, max_backoff=1)",
        "api",
        "restart_policy max_backoff",
        "1 s is below initial_backoff (5 s)",
    ),
    ("api.with_restart_policy('always', max_restarts=-1)", "api", "restart_policy max_restarts", "-1 is not a count"),
    ("api.with_restart_policy('always', initial_backoff='1')", "api", "with_restart_policy initial_backoff", "'1' is not a number"),
    ("api.with_command('flush', 'Flush', None)", "api", "with_command callback", "None cannot be called; pass a function"),
    ("api.with_command('cache/flush', 'Flush', lambda ctx: None)", "api", "command 'cache/flush'", "use letters, digits"),
    ("api.with_env('U', mig.get_endpoint('http'))", "api", "env U", "'migrate' has no endpoint 'http' (it declares none)"),
    (
        "api.with_endpoint('tcp'); b.add_executable('web', sys.executable, '.')"
        ".with_env('A', api.get_endpoint('tpc').host)"
        ".with_env('B', expr(api.get_endpoint('tpc').host, ':', api.get_endpoint('tpc').port))",
        "web",
        "env A, env B",
        "'api' has no endpoint 'tpc' (did you mean 'tcp'? its endpoints: 'tcp')",
    ),
    ("b.add_executable('worker', None, '.')", "worker", "add_executable command", "None is not a path"),
    ("b.add_executable('Worker', sys.executable, '.')", "Worker", "name", "use only lowercase letters"),
    ("b.add_container('cache', None)", "cache", "add_container image", "None is not a string"),
    ("b.add_container('cache', 'redis').with_volume(5, '/data')", "cache", "with_volume name", "5 is not a string"),
    ("b.add_parameter('key', secret='yes')", "key", "add_parameter secret", "'yes' is not True or False"),
]


def run_in_process(folder: Path, source: str, *args: str) -> tuple[int, str]:
    (folder / "apphost.py").write_text(source)
    result = CliRunner().invoke(cli, ["run", "apphost.py", *args], catch_exceptions=False)
    return result.exit_code, result.output


def never_start(app: DistributedApplication, *args: object) -> NoReturn:
    """A model that got through validation would start here and run until Ctrl+C: fail instead."""
    raise AssertionError("the broken model was accepted and the app host began to start it")


@pytest.mark.parametrize(("mistake", "resource", "field", "message"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_broken_model_is_refused_with_its_resource_field_line_and_fix(
    tmp_path, monkeypatch, mistake, resource, field, message
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(DistributedApplication, "start", never_start)
    code, output = run_in_process(tmp_path, PREAMBLE + mistake + "\nb.build().run()\n")
    assert code == 2, output
    assert "the app model is invalid; nothing was started." in output
    line = BROKEN_LINE + mistake.count("\n")  # a mistake that needs a definition ends on a later line
    assert f"• apphost.py:{line}: resource {resource}, {field}: {message}" in output, output
    assert output.count("•") == 1, output  # one mistake, one line
    assert "Traceback" not in output and "pyspire/" not in output
    assert "hunter2" not in output  # a value the user typed is never echoed from a dict
    assert not (tmp_path / "started").exists() and not (tmp_path / ".pyspire").exists()


async def pyspire(*args: str, cwd: Path, env: dict[str, str] | None = None, until: str | None = None) -> tuple[int, str]:
    """Run the real console script to the end (or, with ``until``, until that text is printed,
    then Ctrl+C it) and return its exit code and output."""
    proc = await asyncio.create_subprocess_exec(
        *args,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=dict(os.environ, COLUMNS="200", **(env or {})),
    )
    assert proc.stdout is not None
    output = b""
    try:
        if until is not None:
            while until.encode() not in output:
                line = await asyncio.wait_for(proc.stdout.readline(), 20)
                assert line, output.decode()
                output += line
            proc.send_signal(signal.SIGINT)
        output += await asyncio.wait_for(proc.stdout.read(), 20)
        return await proc.wait(), output.decode()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


@pytest.mark.slow
async def test_every_mistake_of_a_model_is_listed_together_by_the_real_command(tmp_path):
    (tmp_path / "apphost.py").write_text(
        PREAMBLE
        + "api.with_replicas('3').with_env('A=B', '1')\n"
        + "mig.with_http_endpoint(port='8080')\n"
        + "b.build().run()\n"
    )
    code, output = await pyspire(PYSPIRE, "run", cwd=tmp_path)
    assert code == 2, output
    assert "• apphost.py:8: resource api, with_replicas: '3' is not a whole number" in output
    assert "• apphost.py:8: resource api, with_env('A=B'): 'A=B' contains '='" in output
    assert "• apphost.py:9: resource migrate, with_http_endpoint port: '8080' is not a whole number" in output
    assert "Traceback" not in output
    assert not (tmp_path / "started").exists() and not (tmp_path / ".pyspire").exists()


HELPER = "def add_api(b):\n    return b.add_executable('api', 'python', '.').with_env('X', undefined_name)\n"
FAILING_APPHOST = (
    "from pyspire import DistributedApplication\n"
    "import helpers\n"
    "b = DistributedApplication.create_builder()\n"
    "helpers.add_api(b)\n"
    "b.build().run()\n"
)


@pytest.mark.slow
async def test_an_error_in_apphost_shows_only_the_users_frames_with_exit_code_1(tmp_path):
    (tmp_path / "helpers.py").write_text(HELPER)
    (tmp_path / "apphost.py").write_text(FAILING_APPHOST)
    code, output = await pyspire(PYSPIRE, "run", cwd=tmp_path)
    assert code == 1, output
    assert output.startswith("Traceback (most recent call last):\n"), output
    assert f'File "{tmp_path / "apphost.py"}", line 4, in <module>' in output
    assert f'File "{tmp_path / "helpers.py"}", line 2, in add_api' in output
    assert "NameError: name 'undefined_name' is not defined" in output
    assert output.count('File "') == 2, output  # nothing of pyspire, click or runpy
    assert "--debug" in output


@pytest.mark.slow
@pytest.mark.parametrize("how", [["--debug"], ["PYSPIRE_DEBUG=1"]])
async def test_debug_shows_every_frame_of_an_apphost_error(tmp_path, how):
    (tmp_path / "helpers.py").write_text(HELPER)
    (tmp_path / "apphost.py").write_text(FAILING_APPHOST)
    flag = [a for a in how if a.startswith("--")]
    env = dict(a.split("=", 1) for a in how if "=" in a)
    code, output = await pyspire(PYSPIRE, "run", *flag, cwd=tmp_path, env=env)
    assert code == 1, output
    assert "pyspire/cli/apphost.py" in output and "pyspire/loader.py" in output and "runpy" in output
    assert "helpers.py" in output


@pytest.mark.slow
async def test_a_syntax_error_in_apphost_shows_the_line_and_nothing_else(tmp_path):
    (tmp_path / "apphost.py").write_text("from pyspire import DistributedApplication\nb = (\n")
    code, output = await pyspire(PYSPIRE, "run", cwd=tmp_path)
    assert code == 1, output
    assert f'File "{tmp_path / "apphost.py"}", line 2' in output
    assert "SyntaxError: '(' was never closed" in output
    assert "Traceback" not in output and "runpy" not in output


@pytest.mark.slow
async def test_a_malformed_settings_file_is_one_line_with_its_line_and_column(tmp_path):
    (tmp_path / ".pyspire").mkdir()
    (tmp_path / ".pyspire" / "settings.json").write_text('{"Parameters": {"a": "1"},\n  , }\n')
    (tmp_path / "apphost.py").write_text(PREAMBLE + "b.build().run()\n")
    code, output = await pyspire(PYSPIRE, "run", cwd=tmp_path)
    assert code == 2, output
    settings = tmp_path / ".pyspire" / "settings.json"
    assert output == (
        f"error: {settings}: not valid JSON at line 2, column 3: Expecting property name enclosed in "
        "double quotes; fix or delete it\n"
    )
    assert not (tmp_path / "started").exists()


@pytest.mark.slow
async def test_an_apphost_that_never_calls_run_is_an_error(tmp_path):
    (tmp_path / "apphost.py").write_text(PREAMBLE + "b.build()\n")
    code, output = await pyspire(PYSPIRE, "run", cwd=tmp_path)
    assert code == 2, output
    assert output == (
        f"error: {tmp_path / 'apphost.py'} finished without calling run(), so nothing was started; "
        "call builder.build().run() at the end of it.\n"
    )


@pytest.mark.slow
async def test_python_apphost_py_that_never_calls_run_says_so_at_exit(tmp_path):
    (tmp_path / "apphost.py").write_text(PREAMBLE + "b.build()\n")
    code, output = await pyspire(sys.executable, "apphost.py", cwd=tmp_path)
    assert code == 0  # an exit handler cannot change the interpreter's exit code
    assert "apphost.py created an app builder but never called run(), so nothing was started" in output


@pytest.mark.slow
async def test_python_apphost_py_that_calls_run_says_nothing_about_it(tmp_path):
    (tmp_path / "apphost.py").write_text(PREAMBLE.replace("'pass'", "'print(\"hello\")'", 1) + "b.build().run()\n")
    code, output = await pyspire(sys.executable, "apphost.py", cwd=tmp_path, until="app started")
    assert code == 0, output
    assert "never called run()" not in output


@pytest.mark.slow
async def test_a_script_that_starts_the_app_through_the_harness_is_not_told_to_call_run(tmp_path):
    (tmp_path / "script.py").write_text(
        "import asyncio, sys\n"
        "from pyspire import DistributedApplication, testing\n"
        "b = DistributedApplication.create_builder()\n"
        "b.add_executable('hello', sys.executable, '.', '-c', 'print(1)')\n"
        "async def main():\n"
        "    async with testing.start(b) as app:\n"
        "        await app.wait_for_resource('hello', 'Finished')\n"
        "    print('checked')\n"
        "asyncio.run(main())\n"
    )
    code, output = await pyspire(sys.executable, "script.py", cwd=tmp_path)
    assert code == 0 and "checked" in output, output
    assert "never called run()" not in output


@pytest.mark.slow
async def test_pyspire_run_prints_the_wait_for_warning_at_the_users_line_before_starting(tmp_path):
    (tmp_path / "apphost.py").write_text(PREAMBLE + "api.wait_for(mig)\nb.build().run()\n")
    code, output = await pyspire(PYSPIRE, "run", "--no-color", cwd=tmp_path, until="app started")
    assert code == 0, output
    warning = (
        f"{tmp_path / 'apphost.py'}:8: ModelWarning: resource 'api', wait_for('migrate'): 'migrate' has no "
        "health check and no endpoint, so it counts as ready as soon as it starts and its exit code is "
        "never looked at. If it runs to completion (a migration), use wait_for_completion(migrate); if it "
        "is a long-running worker, give it a health check (with_ready_log_line, with_health_check)"
    )
    assert warning in output
    assert output.count("ModelWarning") == 1
    assert output.index("ModelWarning") < output.index("app started")
