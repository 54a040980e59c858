"""Every process of the Python integration gets ``PYTHONUNBUFFERED=1`` (and the OpenTelemetry
logging switch) from its resource class, whatever its command is called; a plain executable no
longer gets it by the ``python*`` name guess."""

from __future__ import annotations

import sys

from pyspire import DistributedApplication, testing
from pyspire.extensions import ResourceState
from tests.integrations.python.helpers import make_venv, read_report, write_report_app

#: Prints one line and then stays alive: only an unbuffered child shows it before it exits.
LINGER = "import time; print('first line', end='\\n'); time.sleep(60)"


async def test_a_python_app_is_unbuffered_whatever_its_program_is_called(tmp_path, monkeypatch):
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)
    app_dir = write_report_app(tmp_path / "tools")
    # A module named like a console script (what `.venv/bin/uvicorn` used to be run as).
    (app_dir / "serve_cli.py").write_text(LINGER)
    make_venv(app_dir / ".venv")
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_python_module("reporter", "./tools", "report").with_env("REPORT_TO", str(tmp_path / "py.json"))
    b.add_python_module("serve-cli", "./tools", "serve_cli").with_stop_grace_period(1)
    b.add_executable("plain", sys.executable, app_dir, "report.py").with_env(
        "REPORT_TO", str(tmp_path / "plain.json")
    )
    async with testing.start(b) as app:
        await app.wait_for_log("serve-cli", "first line", timeout=10)
        await app.wait_for_resource("reporter", ResourceState.FINISHED)
        await app.wait_for_resource("plain", ResourceState.FINISHED)
    python_app = read_report(tmp_path / "py.json")["env"]
    plain = read_report(tmp_path / "plain.json")["env"]
    assert python_app == {
        "PYTHONUNBUFFERED": "1",
        "OTEL_PYTHON_LOGGING_AUTO_INSTRUMENTATION_ENABLED": "true",
        "OTEL_SERVICE_NAME": "reporter",
    }
    assert plain == {
        "PYTHONUNBUFFERED": None,
        "OTEL_PYTHON_LOGGING_AUTO_INSTRUMENTATION_ENABLED": None,
        "OTEL_SERVICE_NAME": "plain",
    }, "no guess from the command's name: only the integration's resources get the variables"


async def test_what_the_user_sets_wins_over_the_integration(tmp_path, monkeypatch):
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)
    app_dir = write_report_app(tmp_path / "tools")
    make_venv(app_dir / ".venv")
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_python_app("reporter", "./tools", "report.py").with_env(
        "REPORT_TO", str(tmp_path / "r.json")
    ).with_env("PYTHONUNBUFFERED", "")
    async with testing.start(b) as app:
        await app.wait_for_resource("reporter", ResourceState.FINISHED)
    assert read_report(tmp_path / "r.json")["env"]["PYTHONUNBUFFERED"] == ""  # type: ignore[index]
