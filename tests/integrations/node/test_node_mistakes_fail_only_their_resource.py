"""A Node app's mistakes — no package.json, a script it does not define, a package manager that is
not installed — are found when it starts and fail only that resource (and what waits for it),
with one line naming the file, what it has and the fix; everything else in the app runs."""

from __future__ import annotations

import pytest

from pyspire import DistributedApplication, DistributedApplicationBuilder, ModelError, testing
from pyspire.extensions import ResourceState
from pyspire.integrations.node import NodeInstallerResource
from pyspire.integrations.node.resources import install_stamp_path as stamp_path
from tests.conftest import PYTHON
from tests.integrations.node.projects import node_only_path, write_package_json, write_server

STOPPED = {ResourceState.FINISHED, ResourceState.EXITED}


def bystander(b: DistributedApplicationBuilder) -> None:
    """A resource that has nothing to do with Node: it must run whatever the Node app does."""
    b.add_executable("bystander", PYTHON, ".", "-c", "print('bystander ran', flush=True)")


async def test_a_missing_package_json_fails_the_installer_with_the_fix_and_the_app_waits_in_vain(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    (tmp_path / "web").mkdir()
    b.add_npm_app("web", "./web", script="start")
    bystander(b)
    async with testing.start(b) as app:
        await app.wait_for_log("bystander", "bystander ran")
        installer = await app.wait_for_resource("web-install", ResourceState.FAILED_TO_START)
        web = await app.wait_for_resource("web", ResourceState.FAILED_TO_START)
        assert str(tmp_path / "web" / "package.json") in (installer.state_message or "")
        assert "does not exist; create it with `npm init -y`" in (installer.state_message or "")
        assert "web-install" in (web.state_message or ""), "the app says what it waited for"
        assert "Traceback" not in app.log_text("web-install"), "a user's mistake shows no pyspire internals"


async def test_a_missing_package_json_fails_the_app_itself_when_it_installs_nothing(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    (tmp_path / "web").mkdir()
    b.add_npm_app("web", "./web", script="start").with_install(False)
    bystander(b)
    async with testing.start(b) as app:
        web = await app.wait_for_resource("web", ResourceState.FAILED_TO_START)
        await app.wait_for_log("bystander", "bystander ran")
    assert "web-install" not in [r.name for r in b.resources]
    assert f"{tmp_path / 'web' / 'package.json'} does not exist" in (web.state_message or "")
    assert "Traceback" not in app.log_text("web")


async def test_a_script_package_json_does_not_define_fails_the_app_listing_the_scripts_it_has(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    write_server(tmp_path / "web", scripts={"start": "node server.js", "build": "echo build"})
    b.add_npm_app("web", "./web")  # script="dev" by default, which this package.json lacks
    bystander(b)
    async with testing.start(b) as app:
        await app.wait_for_resource("web-install", ResourceState.FINISHED)
        web = await app.wait_for_resource("web", ResourceState.FAILED_TO_START)
        await app.wait_for_log("bystander", "bystander ran")
    message = web.state_message or ""
    assert f"{tmp_path / 'web' / 'package.json'} has no script 'dev' (its scripts: build, start)" in message
    assert 'add "dev" to its "scripts", or pass script= one of those' in message


async def test_a_package_manager_that_is_not_installed_is_a_clear_error(tmp_path, monkeypatch):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    folder = tmp_path / "web"
    folder.mkdir()
    write_package_json(folder, {"dev": "node server.js"})
    (folder / "pnpm-lock.yaml").write_text("lockfileVersion: '9.0'\n")
    monkeypatch.setenv("PATH", node_only_path(tmp_path / "bin"))
    b.add_npm_app("web", "./web")
    bystander(b)
    async with testing.start(b) as app:
        installer = await app.wait_for_resource("web-install", ResourceState.FAILED_TO_START)
        await app.wait_for_log("bystander", "bystander ran")
    message = installer.state_message or ""
    assert "'pnpm' is not on PATH; run `corepack enable pnpm` or `npm install -g pnpm`" in message
    assert "Traceback" not in app.log_text("web-install")


async def test_a_node_app_without_node_on_path_says_how_to_get_it(tmp_path, monkeypatch):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    write_server(tmp_path / "srv")
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    b.add_node_app("srv", "./srv", "server.js").with_http_endpoint(env="PORT")
    bystander(b)
    async with testing.start(b) as app:
        srv = await app.wait_for_resource("srv", ResourceState.FAILED_TO_START)
        await app.wait_for_log("bystander", "bystander ran")
    assert "resource 'srv': 'node' is not on PATH; install Node.js" in (srv.state_message or "")


def build_problems(b: DistributedApplicationBuilder) -> str:
    """What ``build()`` reports (it must refuse the model)."""
    with pytest.raises(ModelError) as raised:
        b.build()
    return str(raised.value)


def test_an_unknown_package_manager_is_reported_by_build_with_the_users_line(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    write_server(tmp_path / "web", scripts={"dev": "node server.js"})
    b.add_npm_app("web", "./web").with_package_manager("bun")  # type: ignore[arg-type]
    text = build_problems(b)
    assert "test_node_mistakes_fail_only_their_resource.py:" in text
    assert "resource 'web', with_package_manager: 'bun' is not a package manager pyspire knows" in text
    assert "one of 'npm', 'pnpm', 'yarn'" in text


def test_arguments_of_the_wrong_kind_are_reported_by_build_not_raised(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_npm_app("web", 42, script=None)  # type: ignore[arg-type]
    b.add_vite_app("site", "./site").with_install("no")  # type: ignore[arg-type]
    text = build_problems(b)
    assert "resource 'web', add_npm_app app_dir: 42 is not a path" in text
    assert "add_npm_app script: None is not a string" in text
    assert "resource 'site', with_install: 'no' is not True or False, e.g. with_install(False)" in text


async def test_a_failed_install_leaves_no_stamp_so_the_next_start_installs_again(tmp_path):
    folder = write_server(tmp_path / "web", scripts={"start": "node server.js"})
    (folder / "package-lock.json").write_text("{ not json")  # npm ci refuses it
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_npm_app("web", "./web", script="start")
    bystander(b)
    async with testing.start(b) as app:
        web = await app.wait_for_resource("web", ResourceState.FAILED_TO_START, timeout=60)
        installer = app.resource("web-install")
        await app.wait_for_log("bystander", "bystander ran")
    assert installer.exit_code not in (None, 0), "npm ci failed"
    assert "web-install" in (web.state_message or "")
    assert not stamp_path(folder).exists()
    (installer_resource,) = (r for r in b.resources if isinstance(r, NodeInstallerResource))
    assert await installer_resource.up_to_date() is None
