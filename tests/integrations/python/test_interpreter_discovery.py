"""A Python app runs with the interpreter of its own virtual environment: the one named by
``with_virtual_environment``, else ``<app_dir>/.venv``, else ``.venv`` beside apphost.py; with none,
only that resource fails, with a message naming both places and the fix."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from pyspire import DistributedApplication, testing
from pyspire.extensions import ResourceState
from tests.integrations.python.helpers import make_venv, read_report, write_report_app


async def run_report(b, name: str, report: Path) -> dict[str, object]:
    async with testing.start(b) as app:
        await app.wait_for_resource(name, ResourceState.FINISHED)
    return read_report(report)


@pytest.mark.parametrize(
    ("venvs", "used"),
    [
        pytest.param(("api/.venv", ".venv"), "api/.venv", id="the app folder's venv comes first"),
        pytest.param((".venv",), ".venv", id="then the one beside apphost.py"),
    ],
)
async def test_the_venv_is_found_in_the_app_folder_then_beside_apphost(tmp_path, venvs, used):
    write_report_app(tmp_path / "api")
    for venv in venvs:
        make_venv(tmp_path / venv)
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_python_app("api", "./api", "report.py").with_env("REPORT_TO", str(tmp_path / "r.json"))
    report = await run_report(b, "api", tmp_path / "r.json")
    assert Path(str(report["prefix"])) == tmp_path / used


async def test_with_virtual_environment_names_the_venv_and_discovery_is_skipped(tmp_path):
    app_dir = write_report_app(tmp_path / "api")
    make_venv(app_dir / ".venv")
    chosen = make_venv(tmp_path / "envs" / "shared")
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_python_module("api", "./api", "report").with_virtual_environment("envs/shared").with_env(
        "REPORT_TO", str(tmp_path / "r.json")
    )
    report = await run_report(b, "api", tmp_path / "r.json")
    assert Path(str(report["prefix"])) == chosen, "python -m report ran from the chosen venv"


async def test_with_no_venv_only_that_app_fails_naming_both_places_and_the_fix(tmp_path):
    write_report_app(tmp_path / "api")
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_python_app("api", "./api", "report.py")
    b.add_executable("other", sys.executable, tmp_path, "-c", "print('other ran')")
    async with testing.start(b) as app:
        failed = await app.wait_for_resource("api", ResourceState.FAILED_TO_START)
        await app.wait_for_resource("other", ResourceState.FINISHED)
        log = app.log_text("api")
    message = failed.state_message or ""
    assert f"{tmp_path / 'api' / '.venv'} nor {tmp_path / '.venv'}" in message
    assert ".with_pip()" in message and ".with_uv()" in message and "python3 -m venv" in message
    assert "Traceback" not in log, "a configuration mistake is a message, not pyspire's internals"


async def test_a_chosen_venv_that_does_not_exist_fails_naming_it(tmp_path):
    write_report_app(tmp_path / "api")
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_python_app("api", "./api", "report.py").with_virtual_environment(tmp_path / "missing")
    async with testing.start(b) as app:
        failed = await app.wait_for_resource("api", ResourceState.FAILED_TO_START)
    assert f"no Python interpreter in the virtual environment {tmp_path / 'missing'}" in (
        failed.state_message or ""
    )
