"""A kind an integration registers is served like a built-in one: the real kubectl lists it in
``api-resources``, prints its columns in ``get`` (more with ``-o wide``), explains it, and is told
exactly which field its update validator refuses; the built-in kinds' own rules (a client may not
un-set ``spec.stop`` or rewrite the command) come from their validators the same way."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

from pyspire import DistributedApplication, testing
from pyspire.extensions import KINDS, KindSpec, TeardownPhase
from pyspire.testing import AppHandle
from tests.api.kube_helpers import Kubectl, kube_server, table_rows, wait_for_kubeconfig
from tests.conftest import PYTHON
from tests.orchestrator.watching import until_object
from tests.orchestrator.widget_kind import WIDGET, new_widget, widget_spec

#: A kind in a group of its own, with no controller (its objects are kept by whoever writes them).
GIZMO = KindSpec(
    kind="Gizmo",
    plural="gizmos",
    group="gadgets.example.dev",
    version="v1alpha1",
    description="A gizmo of another group.",
    teardown=TeardownPhase.INFRASTRUCTURE,
)


@contextlib.asynccontextmanager
async def app_with_widgets(tmp_path: Path) -> AsyncIterator[tuple[AppHandle, Kubectl]]:
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("worker", PYTHON, ".", "-c", "import time; time.sleep(120)").with_stop_grace_period(2)
    with KINDS.registered(widget_spec()), KINDS.registered(GIZMO):
        async with testing.start(b) as app:
            await app.wait_for_resource("worker")
            store = app.orchestrator.store
            store.create(new_widget("small", size=2, colour="red"))
            store.create(new_widget("large", size=40))
            await until_object(store, WIDGET, "large", lambda o: o["status"].get("state") == "Ready")
            kubeconfig = await wait_for_kubeconfig(tmp_path / ".pyspire" / "kubeconfig")
            home = tmp_path / "home"
            home.mkdir()
            yield app, Kubectl(kubeconfig, home)
    assert WIDGET not in KINDS and GIZMO.kind not in KINDS


async def test_a_registered_kind_is_listed_printed_and_deleted_at_shutdown(tmp_path):
    async with app_with_widgets(tmp_path) as (app, kubectl):
        resources = table_rows(await kubectl.output("api-resources", "--api-group", "pyspire.dev"))
        widget = next(r for r in resources if r["NAME"] == "widgets")
        assert widget["SHORTNAMES"] == "wdg" and widget["KIND"] == WIDGET and widget["NAMESPACED"] == "false"
        assert {"executables", "services", "containers"} <= {r["NAME"] for r in resources}

        rows = table_rows(await kubectl.output("get", "widgets"))
        assert [(r["NAME"], r["STATE"], r["SIZE"]) for r in rows] == [
            ("large", "Ready", "40"),
            ("small", "Ready", "2"),
        ]
        assert "COLOUR" not in rows[0]
        wide = table_rows(await kubectl.output("get", "wdg", "-o", "wide"))
        assert {r["NAME"]: r["COLOUR"] for r in wide} == {"large": "blue", "small": "red"}

        explained = await kubectl.output("explain", "widgets")
        assert "A test widget: its controller marks it Ready with its size." in explained
        store = app.orchestrator.store
    assert store.list(WIDGET) == []  # deleted at shutdown, its controller let it go


async def test_a_kind_of_its_own_group_is_served_under_that_group(tmp_path):
    async with app_with_widgets(tmp_path) as (app, kubectl):
        app.orchestrator.store.create(
            {
                "apiVersion": "gadgets.example.dev/v1alpha1",
                "kind": "Gizmo",
                "metadata": {"name": "g1"},
                "spec": {},
            }
        )
        resources = table_rows(await kubectl.output("api-resources", "--api-group", "gadgets.example.dev"))
        assert [(r["NAME"], r["APIVERSION"], r["KIND"]) for r in resources] == [
            ("gizmos", "gadgets.example.dev/v1alpha1", "Gizmo")
        ]
        listed = json.loads(await kubectl.output("get", "gizmos.gadgets.example.dev", "-o", "json"))
        assert [(i["apiVersion"], i["metadata"]["name"]) for i in listed["items"]] == [
            ("gadgets.example.dev/v1alpha1", "g1")
        ]
        assert "A gizmo of another group." in await kubectl.output("explain", "gizmos")
        code, _, err = await kubectl.run("get", "gizmo", "nosuch", check=False)
        assert code != 0 and 'gizmos.gadgets.example.dev "nosuch" not found' in err, err
        store = app.orchestrator.store
    assert store.list("Gizmo") == []  # deleted at shutdown, in its phase


async def test_the_update_validator_of_a_kind_refuses_an_illegal_patch_naming_the_field(tmp_path):
    async with app_with_widgets(tmp_path) as (app, kubectl):
        code, out, err = await kubectl.run(
            "patch",
            "widget",
            "large",
            "--type",
            "merge",
            "-p",
            json.dumps({"spec": {"size": 3}}),
            check=False,
        )
        assert code != 0, out
        # kubectl words a 422 Invalid (with its causes) as "The Kind \"name\" is invalid: field: ...".
        assert (
            'The Widget "large" is invalid: spec.size: Forbidden: a widget cannot shrink (from 40 to 3)'
            in err
        )
        assert app.orchestrator.store.get(WIDGET, "large")["spec"]["size"] == 40

        code, out, err = await kubectl.run(
            "patch",
            "widget",
            "large",
            "--type",
            "merge",
            "-p",
            json.dumps({"spec": {"colour": "green"}}),
            check=False,
        )
        assert (
            code != 0
            and "spec.colour: Forbidden: set by the app host from the app model; a client may change spec.size"
            in err
        )

        await kubectl.output(
            "patch", "widget", "small", "--type", "merge", "-p", json.dumps({"spec": {"size": 5}})
        )
        grown = await until_object(
            app.orchestrator.store, WIDGET, "small", lambda o: o["status"].get("size") == 5
        )
        assert grown["status"]["state"] == "Ready"


async def test_built_in_kinds_refuse_unsetting_stop_and_rewriting_the_command(tmp_path):
    async with app_with_widgets(tmp_path) as (app, kubectl):
        (replica,) = app.resource("worker").replicas
        code, _, err = await kubectl.run(
            "patch",
            "exe",
            replica.name,
            "--type",
            "merge",
            "-p",
            json.dumps({"spec": {"stop": None}}),
            check=False,
        )
        assert code != 0 and "spec.stop: Required value: must be a boolean" in err, err
        code, _, err = await kubectl.run(
            "patch",
            "exe",
            replica.name,
            "--type",
            "merge",
            "-p",
            json.dumps({"spec": {"executablePath": "/bin/sh"}}),
            check=False,
        )
        assert (
            code != 0 and "spec.executablePath: Forbidden: set by the app host from the app model" in err
        ), err


async def test_an_illegal_patch_of_a_registered_kind_is_a_422_with_one_cause_per_field():
    with KINDS.registered(widget_spec()):
        async with kube_server() as server:
            server.store.create(new_widget("w", size=4))
            response = await server.client.patch(
                "/apis/pyspire.dev/v1/widgets/w",
                content=json.dumps({"spec": {"size": 1, "colour": 7}}),
                headers={"content-type": "application/merge-patch+json"},
            )
    assert response.status_code == 422
    status = response.json()
    assert status["reason"] == "Invalid" and status["details"]["kind"] == WIDGET
    assert {c["field"]: c["reason"] for c in status["details"]["causes"]} == {
        "spec.size": "FieldValueForbidden",
        "spec.colour": "FieldValueForbidden",
    }
    assert server.store.get(WIDGET, "w")["spec"] == {"size": 4, "colour": "blue"}
