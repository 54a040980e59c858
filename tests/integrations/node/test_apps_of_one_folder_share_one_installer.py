"""The ``<app>-install`` child: a child of the app it was made for, waited for to completion,
shared by every Node app of the same folder (two ``npm ci`` in one folder would delete each
other's files), and gone with ``with_install(False)`` once nothing waits for it."""

from __future__ import annotations

from pyspire import DistributedApplication, DistributedApplicationBuilder, testing
from pyspire.extensions import ResourceState, parent_of
from pyspire.integrations.node import NodeInstallerResource
from pyspire.model import Resource
from pyspire.model.lifecycle import WaitAnnotation
from tests.integrations.node.projects import write_server


def installers(b: DistributedApplicationBuilder) -> list[NodeInstallerResource]:
    return [r for r in b.resources if isinstance(r, NodeInstallerResource)]


def completion_waits(resource: Resource) -> list[str]:
    return [w.target.name for w in resource.annotations_of(WaitAnnotation) if w.kind == "completion"]


async def test_two_apps_of_one_folder_run_one_install_before_both(tmp_path):
    write_server(tmp_path / "web", scripts={"start": "node server.js", "worker": "node server.js"})
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    web = (
        b.add_npm_app("web", "./web", script="start")
        .with_http_endpoint(env="PORT")
        .with_http_health_check("/")
    )
    worker = b.add_npm_app("worker", "web", script="worker").with_http_endpoint(env="PORT")
    worker.with_http_health_check("/")
    (installer,) = installers(b)
    assert installer.name == "web-install" and parent_of(installer) is web.resource
    assert completion_waits(web.resource) == completion_waits(worker.resource) == ["web-install"]
    async with testing.start(b) as app:
        await app.wait_for_healthy("web", timeout=60)
        await app.wait_for_healthy("worker", timeout=60)
        snapshot = app.resource("web-install")
    assert snapshot.state == ResourceState.FINISHED and len(snapshot.replicas) <= 1, "one install, not two"
    assert "worker-install" not in [s.name for s in app.resources()]


def test_with_install_false_drops_the_installer_once_no_app_waits_for_it(tmp_path):
    write_server(tmp_path / "web", scripts={"start": "node server.js"})
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    web = b.add_npm_app("web", "./web", script="start")
    other = b.add_npm_app("other", "./web", script="start")
    other.with_install(False)
    assert [i.name for i in installers(b)] == ["web-install"], "web still waits for it"
    assert completion_waits(other.resource) == []
    web.with_install(False)
    assert installers(b) == [], "nothing waits for it any more"
    web.with_install().with_install()
    assert completion_waits(web.resource) == ["web-install"], "turned on again, waited for once"
    b.build()


def test_a_node_script_gets_an_installer_only_beside_a_package_json(tmp_path):
    write_server(tmp_path / "plain")
    write_server(tmp_path / "project", scripts={"start": "node server.js"})
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_node_app("plain", "./plain", "server.js")
    project = b.add_node_app("project", "./project", "server.js").with_package_manager("npm")
    assert [(i.name, i.owner.name) for i in installers(b)] == [("project-install", "project")]
    assert parent_of(installers(b)[0]) is project.resource
    assert completion_waits(project.resource) == ["project-install"]
