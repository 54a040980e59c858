"""Real node and npm: a node script serves a Python process that references it through the proxy;
an npm app with a package.json (no dependencies, so the install runs offline in a moment) is
installed by its ``<app>-install`` child first, then serves; the install stamp it leaves makes
the installer report up to date until package.json, the lock file or node_modules change."""

from __future__ import annotations

import json
import shutil

import httpx

from pyspire import DistributedApplication, testing
from pyspire.extensions import ResourceState
from pyspire.integrations.node import NodeInstallerResource
from tests.conftest import PYTHON
from tests.integrations.node.projects import PYTHON_CLIENT, write_server


async def test_a_node_script_serves_a_python_process_that_references_it_through_the_proxy(tmp_path):
    write_server(tmp_path / "server")  # no package.json: nothing to install
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    server = (
        b.add_node_app("server", "./server", "server.js")
        .with_http_endpoint(env="PORT")
        .with_http_health_check("/")
    )
    b.add_executable("client", PYTHON, ".", "-c", PYTHON_CLIENT).with_reference(server).wait_for(server)
    assert [r.name for r in b.resources] == ["server", "client"], "no installer without a package.json"
    async with testing.start(b) as app:
        line = await app.wait_for_log("client", r"^got ")
        proxy_url = app.endpoint_url("server")
        client_env = app.resource("client").env_dict()
    answer = json.loads(line.text.removeprefix("got "))
    assert answer["from"] == "node" and answer["nodeEnv"] == "development"
    assert client_env["SERVER_HTTP"] == proxy_url, "the client reached node through the proxy"


async def test_what_the_user_sets_for_node_env_wins_over_run_mode(tmp_path):
    write_server(tmp_path / "server")
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_node_app("server", "./server", "server.js").with_http_endpoint(env="PORT").with_http_health_check(
        "/"
    ).with_env("NODE_ENV", "production")
    async with testing.start(b) as app:
        await app.wait_for_healthy("server")
        async with httpx.AsyncClient() as http:
            answer = (await http.get(app.endpoint_url("server"))).json()
    assert answer["nodeEnv"] == "production"


async def test_an_npm_app_is_installed_by_its_child_then_serves_and_the_stamp_tracks_its_files(tmp_path):
    folder = write_server(tmp_path / "web", scripts={"start": "node server.js"})
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    web = (
        b.add_npm_app("web", "./web", script="start")
        .with_http_endpoint(env="PORT")
        .with_http_health_check("/")
    )
    web.with_replicas(2)
    async with testing.start(b) as app:
        await app.wait_for_healthy("web", timeout=60)
        installer = app.resource("web-install")
        pids = set()
        for _ in range(20):  # a new connection each time: the proxy balances connections
            async with httpx.AsyncClient() as http:
                pids.add((await http.get(app.endpoint_url("web"))).json()["pid"])
            if len(pids) == 2:
                break
        install_log = app.log_text("web-install")
    assert (installer.state, installer.exit_code) == (ResourceState.FINISHED, 0)
    assert ("Parent", "web") in [(r.type, r.resource) for r in installer.relationships]
    assert len(pids) == 2, "both replicas answer behind the one proxy port"
    assert (folder / "package-lock.json").is_file(), "no lock file: `npm install` ran (and wrote one)"
    assert "up to date" in install_log or "added" in install_log, "npm's own output is the installer's log"

    resource = next(r for r in b.resources if isinstance(r, NodeInstallerResource))
    assert (
        await resource.up_to_date() == "up to date: node_modules matches package.json and package-lock.json"
    )
    package_json = (folder / "package.json").read_text()
    (folder / "package.json").write_text(package_json.replace('"1.0.0"', '"1.0.1"'))
    assert await resource.up_to_date() is None, "a changed package.json installs again"
    (folder / "package.json").write_text(package_json)
    lock = (folder / "package-lock.json").read_text()
    (folder / "package-lock.json").write_text(lock + "\n")
    assert await resource.up_to_date() is None, "a changed lock file installs again"
    (folder / "package-lock.json").write_text(lock)
    assert await resource.up_to_date() is not None
    shutil.rmtree(folder / "node_modules")
    assert await resource.up_to_date() is None, "no node_modules installs again"


async def test_a_second_start_with_nothing_changed_skips_the_install(tmp_path):
    folder = write_server(tmp_path / "web", scripts={"start": "node server.js"})
    (folder / "package-lock.json").write_text(
        json.dumps(
            {"name": "web", "version": "1.0.0", "lockfileVersion": 3, "requires": True, "packages": {}}
        )
    )

    def model() -> DistributedApplication:
        b = DistributedApplication.create_builder(app_dir=tmp_path)
        b.add_npm_app("web", "./web", script="start").with_http_endpoint(env="PORT").with_http_health_check(
            "/"
        )
        return b.build()

    async with testing.start(model()) as app:
        await app.wait_for_healthy("web", timeout=60)
        assert "up to date" not in (app.resource("web-install").state_message or "")
    async with testing.start(model()) as app:
        await app.wait_for_healthy("web", timeout=60)
        installer = app.resource("web-install")
    assert (installer.state, installer.exit_code) == (ResourceState.FINISHED, 0)
    assert "up to date: node_modules matches package.json and package-lock.json" in (
        installer.state_message or ""
    )
    assert installer.replicas == (), "no npm process was started"
