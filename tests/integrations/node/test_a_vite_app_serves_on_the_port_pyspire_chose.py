"""A real Vite dev server (vite from the npm registry, cached in ~/.npm after the first run),
installed by its ``<app>-install`` child and started with the port pyspire chose for each replica
(``-- --port <port> --strictPort --host 127.0.0.1``): a browser's request to the endpoint's proxy
reaches it."""

from __future__ import annotations

import httpx

from pyspire import DistributedApplication, testing
from pyspire.extensions import LABEL_RESOURCE, ResourceState
from tests.integrations.node.projects import write_package_json

#: Installing vite from the registry (or the npm cache) on two loaded cores.
INSTALL_TIMEOUT = 180


async def test_a_vite_dev_server_serves_through_its_proxy_on_the_port_pyspire_chose_per_replica(
    tmp_path, monkeypatch
):
    # npm's own setting, inherited by the installer: use the cache without asking the registry
    # whether a newer vite 6 exists (the first run on a machine still downloads it).
    monkeypatch.setenv("npm_config_prefer_offline", "true")
    folder = tmp_path / "web"
    folder.mkdir()
    write_package_json(folder, {"dev": "vite"}, devDependencies={"vite": "^6.0.0"})
    (folder / "index.html").write_text("<!doctype html><title>shop</title><h1>served by vite</h1>\n")
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_vite_app("web", "./web").with_replicas(2).with_http_health_check("/")
    async with testing.start(b) as app:
        await app.wait_for_resource("web-install", ResourceState.FINISHED, timeout=INSTALL_TIMEOUT)
        await app.wait_for_healthy("web", timeout=60)
        async with httpx.AsyncClient() as http:
            page = await http.get(app.endpoint_url("web"))
        replicas = app.orchestrator.store.list("Executable", labels={LABEL_RESOURCE: "web"})
        args = {r["metadata"]["name"]: r["spec"]["args"] for r in replicas}
        ports = {name: int(a[a.index("--port") + 1]) for name, a in args.items()}
        listening = {name: await app.wait_for_log("web", listening_on(port)) for name, port in ports.items()}
    assert page.status_code == 200 and "served by vite" in page.text
    assert (folder / "node_modules" / "vite" / "package.json").is_file(), "the installer installed vite"
    for name, port in ports.items():
        assert args[name] == ["run", "dev", "--", "--port", str(port), "--strictPort", "--host", "127.0.0.1"]
        assert listening[name].replica == name, "each replica listens on the port it was given"
    assert len(set(ports.values())) == 2, "each replica has a port of its own"


#: ANSI colour codes: Vite colours its banner when CI is set (picocolors), "Local" and the port bold.
_COLOUR = r"(?:\x1b\[[0-9;]*m)*"


def listening_on(port: int) -> str:
    """Vite's line once it listens on ``port`` (coloured or not)."""
    return rf"Local{_COLOUR}:\s+{_COLOUR}http://127\.0\.0\.1:{_COLOUR}{port}{_COLOUR}/"
