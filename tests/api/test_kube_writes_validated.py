"""Writes through the object API are checked: a patch that changes what a client may not change,
or gives a field the wrong type, is 422 with a Kubernetes Status naming the field, and the stored
object is exactly as it was (the controllers never see it)."""

from __future__ import annotations

import copy
import json
import logging

import httpx
import pytest

from pyspire import DistributedApplication, testing
from pyspire.orchestrator.objects import new_service
from pyspire.orchestrator.store import ObjectStore
from tests.api.kube_helpers import EXE, Kubectl, executable, kube_server, wait_for_kubeconfig
from tests.conftest import PYTHON

MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"

#: (patch body, content type, the field the 422 must name)
ILL_TYPED = [
    ({"spec": {"stop": "yes"}}, MERGE, "spec.stop"),
    ({"spec": {"stop": 1}}, MERGE, "spec.stop"),
    ({"spec": {"stop": None}}, MERGE, "spec.stop"),
    ({"spec": {"stop": {"now": True}}}, MERGE, "spec.stop"),
    ({"spec": {"gracePeriodSeconds": "abc"}}, MERGE, "spec.gracePeriodSeconds"),
    ({"spec": {"gracePeriodSeconds": 0}}, MERGE, "spec.gracePeriodSeconds"),
    ({"spec": {"args": 5}}, MERGE, "spec.args"),
    ({"spec": {"args": ["--evil"]}}, MERGE, "spec.args"),
    ({"spec": {"env": [{"name": "X", "value": 1}]}}, MERGE, "spec.env"),
    ({"spec": {"executablePath": "/bin/sh"}}, MERGE, "spec.executablePath"),
    ({"spec": {"ports": None}}, MERGE, "spec.ports"),
    ({"spec": {"extra": True}}, MERGE, "spec.extra"),
    ({"spec": None}, MERGE, "spec"),
    ({"spec": 5}, MERGE, "spec"),
    ({"metadata": {"labels": {"team": 5}}}, MERGE, "metadata.labels[team]"),
    ({"metadata": {"labels": "blue"}}, MERGE, "metadata.labels"),
    ({"metadata": {"labels": {"team": "has spaces"}}}, MERGE, "metadata.labels[team]"),
    ({"metadata": {"labels": {"pyspire.dev/resource": "other"}}}, MERGE, "metadata.labels[pyspire.dev/resource]"),
    ({"metadata": {"labels": None}}, MERGE, "metadata.labels[pyspire.dev/resource]"),
    ({"metadata": {"annotations": {"note": ["a"]}}}, MERGE, "metadata.annotations[note]"),
    ({"metadata": {"finalizers": None}}, MERGE, "metadata.finalizers"),
    ({"metadata": {"ownerReferences": [{"name": "x"}]}}, MERGE, "metadata.ownerReferences"),
    ({"kind": "Container"}, MERGE, "kind"),
    ({"surprise": 1}, MERGE, "surprise"),
    ([{"op": "replace", "path": "/spec/stop", "value": "yes"}], JSON_PATCH, "spec.stop"),
    ([{"op": "remove", "path": "/spec"}], JSON_PATCH, "spec"),
    ([{"op": "add", "path": "/spec/args/-", "value": "y"}], JSON_PATCH, "spec.args"),
    ([{"op": "replace", "path": "/metadata", "value": None}], JSON_PATCH, "metadata"),
]


def stored(store: ObjectStore, kind: str = "Executable", name: str = "api-1") -> dict:
    return copy.deepcopy(store.get(kind, name))


@pytest.mark.parametrize(("body", "content_type", "field"), ILL_TYPED, ids=[f for _, _, f in ILL_TYPED])
async def test_a_write_a_client_may_not_make_is_422_naming_the_field_and_changes_nothing(body, content_type, field):
    store = ObjectStore()
    store.create(executable("api-1"))
    before, version = stored(store), store.resource_version
    async with kube_server(store) as k:
        for dry_run in ({"dryRun": "All"}, {}):
            response = await k.client.patch(
                f"{EXE}/api-1", params=dry_run, content=json.dumps(body), headers={"content-type": content_type}
            )
            assert response.status_code == 422, response.text
            status = response.json()
            assert status["kind"] == "Status" and status["reason"] == "Invalid" and status["code"] == 422
            assert status["message"].startswith('Executable.pyspire.dev "api-1" is invalid: ')
            assert status["details"]["name"] == "api-1" and status["details"]["kind"] == "Executable"
            causes = status["details"]["causes"]
            assert field in [c["field"] for c in causes], causes
            assert all(c["reason"].startswith("FieldValue") and c["message"] for c in causes)
    assert stored(store) == before and store.resource_version == version


async def test_a_wrong_type_is_said_the_way_the_api_server_says_it():
    store = ObjectStore()
    store.create(executable("api-1"))
    async with kube_server(store) as k:
        response = await k.client.patch(
            f"{EXE}/api-1", content=b'{"spec": {"stop": "yes", "args": 5}}', headers={"content-type": MERGE}
        )
    status = response.json()
    assert status["message"] == (
        'Executable.pyspire.dev "api-1" is invalid: [spec.args: Forbidden: set by the app host from the app '
        'model; a client may change spec.stop, spec.stop: Invalid value: "yes": must be a boolean]'
    )
    assert status["details"]["causes"][1] == {
        "reason": "FieldValueInvalid",
        "message": 'Invalid value: "yes": must be a boolean',
        "field": "spec.stop",
    }


async def test_what_a_client_may_change_still_applies():
    store = ObjectStore()
    store.create(executable("api-1"))
    async with kube_server(store) as k:

        async def patch(body: object, content_type: str = MERGE) -> httpx.Response:
            return await k.client.patch(
                f"{EXE}/api-1", content=json.dumps(body), headers={"content-type": content_type}
            )

        merged = await patch(
            {"spec": {"stop": True}, "metadata": {"labels": {"team": "blue"}, "annotations": {"note": "any text"}}}
        )
        assert merged.status_code == 200, merged.text
        obj = store.get("Executable", "api-1")
        assert obj["spec"]["stop"] is True and obj["metadata"]["labels"]["team"] == "blue"
        assert obj["metadata"]["annotations"] == {"note": "any text"}
        assert obj["metadata"]["labels"]["pyspire.dev/resource"] == "api"
        unchanged_spec = await patch({"spec": {"stop": True, "args": ["x"]}})  # the same args: no change
        assert unchanged_spec.status_code == 200, unchanged_spec.text
        removed = await patch(
            [{"op": "remove", "path": "/metadata/labels/team"}, {"op": "replace", "path": "/spec/stop", "value": False}],
            JSON_PATCH,
        )
        assert removed.status_code == 200, removed.text
        obj = store.get("Executable", "api-1")
        assert "team" not in obj["metadata"]["labels"] and obj["spec"]["stop"] is False


async def test_kinds_without_spec_stop_take_no_spec_change():
    store = ObjectStore()
    store.create(
        new_service("api-http", resource="api", endpoint="http", protocol="tcp", address="127.0.0.1", port=1,
                    proxied=True)
    )
    before = stored(store, "Service", "api-http")
    async with kube_server(store) as k:
        response = await k.client.patch(
            "/apis/pyspire.dev/v1/services/api-http", content=b'{"spec": {"port": 2}}', headers={"content-type": MERGE}
        )
        assert response.status_code == 422
        [cause] = response.json()["details"]["causes"]
        assert cause["field"] == "spec.port" and "a client may change nothing in the spec" in cause["message"]
        labelled = await k.client.patch(
            "/apis/pyspire.dev/v1/services/api-http",
            content=b'{"metadata": {"labels": {"team": "blue"}}}',
            headers={"content-type": MERGE},
        )
        assert labelled.status_code == 200
    assert stored(store, "Service", "api-http")["spec"] == before["spec"]


async def test_kubectl_shows_which_field_is_wrong_and_the_app_host_keeps_working(tmp_path, caplog):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("worker", PYTHON, ".", "-c", "import time; time.sleep(120)").with_stop_grace_period(2)
    (tmp_path / "home").mkdir()
    caplog.set_level(logging.WARNING)
    async with testing.start(b) as app:
        await app.wait_for_resource("worker")
        kubectl = Kubectl(await wait_for_kubeconfig(tmp_path / ".pyspire" / "kubeconfig"), tmp_path / "home")
        [replica] = app.resource("worker").replicas
        for body in ('{"spec":{"stop":"yes"}}', '{"spec":{"gracePeriodSeconds":"abc"}}', '{"spec":null}'):
            code, _, err = await kubectl.run("patch", "executable", replica.name, "--type", "merge", "-p", body,
                                             check=False)
            assert code == 1
            assert f'The Executable "{replica.name}" is invalid: spec' in err, err
        assert 'spec.stop: Invalid value: "yes": must be a boolean' in (
            await kubectl.run("patch", "executable", replica.name, "--type", "merge", "-p",
                              '{"spec":{"stop":"yes"}}', check=False)
        )[2]
        assert app.resource("worker").state == "Running"
        out = await kubectl.output("patch", "executable", replica.name, "--type", "merge", "-p", '{"spec":{"stop":true}}')
        assert "patched" in out
        await app.wait_for_resource("worker", "Exited")
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]
