"""``with_pip()`` and ``with_uv()``: a real installer child ``<app>-install`` prepares the venv
before the app starts, is listed under the app, is shared by apps on the same venv, and stamps
the venv so that a start with nothing changed can skip it."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from pyspire import DistributedApplication, ModelError, testing
from pyspire.extensions import ConfigurationError, ResourceState, parent_of
from pyspire.integrations.python import PythonInstallerResource
from tests.integrations.python.helpers import make_venv, read_report, write_report_app

#: A tiny pure-Python wheel from PyPI (pip's cache keeps repeated runs offline-fast).
REQUIREMENT = "six==1.16.0"
USES_SIX = "import six, sys; print('six', six.__version__, 'from', sys.prefix)"


def pip_app(tmp_path: Path) -> DistributedApplication:
    """An app whose worker imports ``six``, installed by ``with_pip()`` into ./worker/.venv."""
    app_dir = tmp_path / "worker"
    app_dir.mkdir(exist_ok=True)
    (app_dir / "requirements.txt").write_text(REQUIREMENT + "\n")
    (app_dir / "main.py").write_text(USES_SIX)
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_python_app("worker", "./worker", "main.py").with_pip()
    return b.build()


async def test_with_pip_creates_the_venv_installs_requirements_then_starts_the_app(tmp_path):
    venv = tmp_path / "worker" / ".venv"
    async with testing.start(pip_app(tmp_path)) as app:
        installed = await app.wait_for_resource("worker-install", ResourceState.FINISHED, timeout=90)
        await app.wait_for_resource("worker", ResourceState.FINISHED, timeout=30)
        install_log, app_log = app.log_text("worker-install"), app.log_text("worker")
    assert installed.exit_code == 0
    assert f"creating the virtual environment {venv}" in install_log and "six" in install_log
    assert f"six 1.16.0 from {venv}" in app_log
    installer = next(r for r in app.executor.model.resources if r.name == "worker-install")
    assert isinstance(installer, PythonInstallerResource)
    assert await installer.up_to_date() is not None, "the successful run stamped the venv"
    (tmp_path / "worker" / "requirements.txt").write_text(REQUIREMENT + "\nsix\n")
    assert await installer.up_to_date() is None, "a changed requirements.txt runs it again"


async def test_a_failed_install_fails_the_app_and_leaves_no_stamp_so_it_runs_again(tmp_path):
    app_dir = tmp_path / "worker"
    app_dir.mkdir()
    (app_dir / "requirements.txt").write_text("this is == not a requirement\n")
    (app_dir / "main.py").write_text("print('never')")
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_python_app("worker", "./worker", "main.py").with_pip()
    async with testing.start(b) as app:
        failed = await app.wait_for_resource("worker-install", ResourceState.EXITED, timeout=90)
        blocked = await app.wait_for_resource("worker", ResourceState.FAILED_TO_START, timeout=30)
        install_log = app.log_text("worker-install")
    assert failed.exit_code != 0 and "Invalid requirement" in install_log, install_log
    assert "worker-install" in (blocked.state_message or "")
    installer = next(r for r in app.executor.model.resources if isinstance(r, PythonInstallerResource))
    assert await installer.up_to_date() is None


async def test_the_second_start_with_nothing_changed_skips_the_installer(tmp_path):
    async with testing.start(pip_app(tmp_path)) as app:
        await app.wait_for_resource("worker", ResourceState.FINISHED, timeout=90)
    async with testing.start(pip_app(tmp_path)) as app:
        skipped = await app.wait_for_resource("worker-install", ResourceState.FINISHED, timeout=30)
        await app.wait_for_resource("worker", ResourceState.FINISHED, timeout=30)
        install_log = app.log_text("worker-install")
    assert skipped.exit_code == 0 and "up to date" in (skipped.state_message or "")
    assert "running pip install" not in install_log, "no installer process ran"


def tiny_project(app_dir: Path) -> Path:
    write_report_app(app_dir)
    (app_dir / "pyproject.toml").write_text(
        '[project]\nname = "tiny"\nversion = "0.1.0"\nrequires-python = ">=3.11"\ndependencies = []\n'
    )
    return app_dir


async def test_with_uv_runs_uv_sync_into_the_chosen_venv_before_the_app(tmp_path):
    app_dir = tiny_project(tmp_path / "api")
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_python_app("api", "./api", "report.py").with_virtual_environment("envs/api").with_uv().with_env(
        "REPORT_TO", str(tmp_path / "r.json")
    )
    async with testing.start(b) as app:
        synced = await app.wait_for_resource("api-install", ResourceState.FINISHED, timeout=90)
        await app.wait_for_resource("api", ResourceState.FINISHED, timeout=30)
        executables = app.orchestrator.store.list("Executable")
    assert synced.exit_code == 0
    (uv,) = [o["spec"] for o in executables if o["metadata"]["name"].startswith("api-install-")]
    assert Path(uv["executablePath"]).name == "uv" and uv["args"] == ["sync"]
    assert {"name": "UV_PROJECT_ENVIRONMENT", "value": str(tmp_path / "envs" / "api")} in uv["env"]
    assert Path(str(read_report(tmp_path / "r.json")["prefix"])) == tmp_path / "envs" / "api"
    assert (app_dir / "uv.lock").is_file(), "uv sync locked the project"


async def test_the_stamp_covers_the_dependency_files_the_interpreter_and_the_installer(tmp_path):
    venv = make_venv(tmp_path / ".venv")
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "1"\n')
    pip = PythonInstallerResource("x-install", "pip", tmp_path, venv)
    assert await pip.up_to_date() is None, "never installed"
    pip.record_success()
    assert (
        await pip.up_to_date() == f"up to date: pyproject.toml unchanged since the last install into {venv}"
    )
    assert await PythonInstallerResource("x-install", "uv", tmp_path, venv).up_to_date() is None, (
        "another installer"
    )
    (tmp_path / "uv.lock").write_text("version = 1\n")
    assert await pip.up_to_date() is None, "a new lock file"
    pip.record_success()
    config = venv / "pyvenv.cfg"
    config.write_text(config.read_text().replace("version", "version = 3.99.0\nold_version"))
    assert await pip.up_to_date() is None, "the venv was recreated with another Python"


def test_with_uv_and_no_uv_anywhere_the_installer_says_how_to_get_it(tmp_path, monkeypatch):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(sys, "executable", str(empty / "python"))
    installer = PythonInstallerResource("api-install", "uv", tmp_path, tmp_path / ".venv")
    with pytest.raises(ConfigurationError) as raised:
        asyncio.run(installer.resolve_command())
    assert str(raised.value) == (
        f"resource 'api-install': uv is not on PATH nor beside {empty / 'python'}; install it "
        f"({empty / 'python'} -m pip install uv), or use .with_pip() instead of .with_uv()"
    )


def test_apps_on_one_venv_share_the_first_apps_installer_listed_under_it(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    migrate = b.add_python_module("migrate", "./api", "alembic", "upgrade", "head").with_pip()
    api = b.add_uvicorn_app("api", "./api", "orders.main:app").with_pip()
    other = b.add_python_app("other", "./other", "main.py").with_pip()
    installers = [r for r in b.resources if isinstance(r, PythonInstallerResource)]
    assert [i.name for i in installers] == ["migrate-install", "other-install"]
    assert parent_of(installers[0]) is migrate.resource
    for app, installer in ((migrate, installers[0]), (api, installers[0]), (other, installers[1])):
        waits = [(w.target, w.kind) for w in app.resource.waits]
        assert waits == [(installer, "completion")], f"{app.name} waits for {installer.name} to finish"


def test_mixing_installers_on_one_venv_or_choosing_the_venv_after_the_installer_is_reported(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_python_app("a", "./api", "a.py").with_pip()
    b.add_python_app("b", "./api", "b.py").with_uv()
    b.add_python_app("c", "./other", "c.py").with_pip().with_virtual_environment("./elsewhere")
    with pytest.raises(ModelError) as raised:
        b.build()
    text = str(raised.value)
    assert "resource 'b', with_uv" in text and "already installed with with_pip() by a-install" in text
    assert (
        "resource 'c', with_virtual_environment" in text
        and "call with_virtual_environment(...) before with_pip()" in text
    )
