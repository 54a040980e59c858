"""The object API over a bare store: discovery, list/get, selectors, tables, patch, delete, errors.

A real server (uvicorn) and a plain HTTP client; kubectl itself is in test_kube_kubectl.py.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from pyspire.durations import human_duration
from pyspire.orchestrator.objects import new_service
from pyspire.orchestrator.store import ObjectStore
from tests.api.kube_helpers import EXE, TABLE, TOKEN, executable, kube_server, watch_lines


async def test_discovery_documents():
    async with kube_server() as k:
        assert (await k.client.get("/api")).json()["versions"] == []
        groups = (await k.client.get("/apis")).json()
        assert groups["kind"] == "APIGroupList"
        assert groups["groups"][0]["preferredVersion"] == {"groupVersion": "pyspire.dev/v1", "version": "v1"}
        assert (await k.client.get("/apis/pyspire.dev")).json()["kind"] == "APIGroup"
        resources = (await k.client.get("/apis/pyspire.dev/v1")).json()
        by_name = {r["name"]: r for r in resources["resources"]}
        assert set(by_name) == {
            "executables",
            "containers",
            "services",
            "endpoints",
            "containernetworks",
            "containervolumes",
        }
        exe = by_name["executables"]
        assert exe["kind"] == "Executable" and exe["singularName"] == "executable" and not exe["namespaced"]
        assert exe["shortNames"] == ["exe"] and set(exe["verbs"]) >= {
            "get",
            "list",
            "watch",
            "patch",
            "delete",
        }
        assert "all" in exe["categories"]
        # Aggregated discovery asked for, classic JSON answered: client-go falls back to it.
        aggregated = await k.client.get(
            "/apis",
            headers={"accept": "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"},
        )
        assert aggregated.headers["content-type"] == "application/json"
        version = (await k.client.get("/version")).json()
        assert version["major"] == "1" and "pyspire" in version["gitVersion"]


async def test_token_is_required():
    async with kube_server() as k:
        for headers in ({}, {"authorization": "Bearer wrong"}):
            response = await httpx.AsyncClient(base_url=k.url).get(EXE, headers=headers)
            assert response.status_code == 401
            assert response.json()["reason"] == "Unauthorized"
        assert (await k.client.get(EXE, headers={"authorization": f"Bearer {TOKEN}"})).status_code == 200


async def test_list_get_and_selectors():
    store = ObjectStore()
    store.create(executable("b-1", "b", tier="back"))
    store.create(executable("a-1", "a", tier="front"))
    store.create(executable("a-2", "a"))
    async with kube_server(store) as k:
        listed = (await k.client.get(EXE)).json()
        assert listed["kind"] == "ExecutableList" and listed["apiVersion"] == "pyspire.dev/v1"
        assert listed["metadata"]["resourceVersion"] == store.resource_version
        assert [o["metadata"]["name"] for o in listed["items"]] == ["a-1", "a-2", "b-1"]

        async def names(**params: str) -> list[str]:
            response = await k.client.get(EXE, params=params)
            assert response.status_code == 200, response.text
            return [o["metadata"]["name"] for o in response.json()["items"]]

        assert await names(labelSelector="pyspire.dev/resource=a") == ["a-1", "a-2"]
        assert await names(labelSelector="pyspire.dev/resource==a,tier") == ["a-1"]
        assert await names(labelSelector="!tier") == ["a-2"]
        assert await names(labelSelector="tier in (front, back)") == ["a-1", "b-1"]
        assert await names(labelSelector="tier notin (front),pyspire.dev/resource!=b") == ["a-2"]
        assert await names(fieldSelector="metadata.name=a-2") == ["a-2"]
        assert await names(fieldSelector="metadata.name!=a-2", labelSelector="pyspire.dev/resource=a") == [
            "a-1"
        ]
        assert await names(fieldSelector="metadata.namespace=") == ["a-1", "a-2", "b-1"]
        bad = await k.client.get(EXE, params={"fieldSelector": "status.state=Running"})
        assert bad.status_code == 400 and "field label not supported: status.state" in bad.json()["message"]
        assert (await k.client.get(EXE, params={"labelSelector": "a=("})).status_code == 400

        one = (await k.client.get(f"{EXE}/a-1")).json()
        assert one["kind"] == "Executable" and one["metadata"]["name"] == "a-1"


async def test_errors_are_kubernetes_status_objects():
    async with kube_server() as k:
        missing = await k.client.get(f"{EXE}/nope")
        assert missing.status_code == 404
        assert missing.json() == {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": 'executables.pyspire.dev "nope" not found',
            "reason": "NotFound",
            "details": {"name": "nope", "group": "pyspire.dev", "kind": "executables"},
            "code": 404,
        }
        unknown = await k.client.get("/apis/pyspire.dev/v1/pods")
        assert unknown.status_code == 404 and unknown.json()["reason"] == "NotFound"
        for method in ("PATCH", "DELETE"):
            response = await k.client.request(
                method, f"{EXE}/nope", headers={"content-type": "application/merge-patch+json"}, content=b"{}"
            )
            assert response.status_code == 404 and response.json()["details"]["name"] == "nope"


async def test_tables_for_kubectl_get():
    store = ObjectStore()
    store.create(executable("api-1"))
    store.patch_status("Executable", "api-1", {"state": "Running", "pid": 4242})
    store.create(executable("api-2"))
    store.create(
        new_service(
            "api-http",
            resource="api",
            endpoint="http",
            protocol="tcp",
            address="localhost",
            port=0,
            proxied=True,
        )
    )
    store.patch_status(
        "Service", "api-http", {"state": "Ready", "effectiveAddress": "localhost", "effectivePort": 8080}
    )
    async with kube_server(store) as k:
        table = (await k.client.get(EXE, headers={"accept": TABLE})).json()
        assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
        assert table["metadata"]["resourceVersion"] == store.resource_version
        columns = [c["name"] for c in table["columnDefinitions"] if c["priority"] == 0]
        assert columns == ["Name", "State", "PID", "Exit Code", "Resource", "Age"]
        first, second = (dict(zip(columns, row["cells"], strict=False)) for row in table["rows"])
        assert first == {
            "Name": "api-1",
            "State": "Running",
            "PID": 4242,
            "Exit Code": None,
            "Resource": "api",
            "Age": "0s",
        }
        assert second["State"] == "Starting" and second["PID"] is None
        row_object = table["rows"][0]["object"]
        assert row_object["kind"] == "PartialObjectMetadata" and row_object["metadata"]["name"] == "api-1"
        full = (await k.client.get(EXE, params={"includeObject": "Object"}, headers={"accept": TABLE})).json()
        assert full["rows"][0]["object"]["kind"] == "Executable"
        bare = (await k.client.get(EXE, params={"includeObject": "None"}, headers={"accept": TABLE})).json()
        assert "object" not in bare["rows"][0]

        single = (await k.client.get(f"{EXE}/api-1", headers={"accept": TABLE})).json()
        assert single["kind"] == "Table" and [r["cells"][0] for r in single["rows"]] == ["api-1"]

        services = (await k.client.get("/apis/pyspire.dev/v1/services", headers={"accept": TABLE})).json()
        names = [c["name"] for c in services["columnDefinitions"] if c["priority"] == 0]
        assert names == ["Name", "State", "Address", "Port", "Protocol", "Mode", "Age"]
        assert services["rows"][0]["cells"][:6] == ["api-http", "Ready", "localhost", 8080, "TCP", "Proxy"]

        metadata = await k.client.get(
            EXE, headers={"accept": "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"}
        )
        assert metadata.json()["kind"] == "PartialObjectMetadataList"
        assert "spec" not in metadata.json()["items"][0]


def test_ages_read_like_kubectl():
    assert [
        human_duration(s) for s in (-5, 0, 59, 119, 120, 125, 600, 3599, 3 * 3600 + 60, 8 * 3600, 50 * 3600)
    ] == [
        "<invalid>",
        "0s",
        "59s",
        "119s",
        "2m",
        "2m5s",
        "10m",
        "59m",
        "3h1m",
        "8h",
        "2d2h",
    ]
    assert human_duration(400 * 86400) == "400d" and human_duration(3 * 365 * 86400) == "3y"


async def test_merge_and_json_patch_and_what_a_client_cannot_change():
    store = ObjectStore()
    store.create(executable("api-1"))
    store.patch_status("Executable", "api-1", {"state": "Running", "pid": 1})
    async with kube_server(store) as k:

        async def patch(body: object, content_type: str = "application/merge-patch+json") -> httpx.Response:
            return await k.client.patch(
                f"{EXE}/api-1", content=json.dumps(body), headers={"content-type": content_type}
            )

        merged = await patch({"spec": {"stop": True}, "metadata": {"labels": {"team": "blue"}}})
        assert merged.status_code == 200, merged.text
        assert merged.json()["spec"]["stop"] is True and merged.json()["metadata"]["labels"]["team"] == "blue"
        # status belongs to the controller; server-managed metadata stays.
        ignored = await patch(
            {"status": {"state": "Hacked"}, "metadata": {"uid": None, "creationTimestamp": "x"}}
        )
        assert ignored.status_code == 200
        obj = store.get("Executable", "api-1")
        assert obj["status"]["state"] == "Running" and obj["metadata"]["creationTimestamp"] != "x"
        assert obj["metadata"]["uid"]

        json_patch = await patch(
            [
                {"op": "test", "path": "/spec/stop", "value": True},
                {"op": "replace", "path": "/spec/stop", "value": False},
                {"op": "add", "path": "/metadata/annotations/second", "value": "y"},
                {"op": "remove", "path": "/metadata/labels/team"},
                {"op": "copy", "from": "/spec/args/0", "path": "/metadata/annotations/first"},
            ],
            "application/json-patch+json",
        )
        assert json_patch.status_code == 200, json_patch.text
        obj = store.get("Executable", "api-1")
        assert obj["spec"]["stop"] is False and obj["metadata"]["annotations"]["second"] == "y"
        assert "team" not in obj["metadata"]["labels"] and obj["metadata"]["annotations"]["first"] == "x"

        failed = await patch(
            [{"op": "test", "path": "/spec/stop", "value": True}], "application/json-patch+json"
        )
        assert failed.status_code == 422
        strategic = await patch({"spec": {"stop": True}}, "application/strategic-merge-patch+json")
        assert strategic.status_code == 415 and strategic.json()["reason"] == "UnsupportedMediaType"
        assert "--type merge" in strategic.json()["message"]

        stale = await patch({"metadata": {"resourceVersion": "1"}, "spec": {"stop": True}})
        assert stale.status_code == 409 and stale.json()["reason"] == "Conflict"
        renamed = await patch({"metadata": {"name": "other"}})
        assert renamed.status_code == 400
        before = store.resource_version
        dry = await k.client.patch(
            f"{EXE}/api-1",
            params={"dryRun": "All"},
            content=b'{"spec":{"stop":true}}',
            headers={"content-type": "application/merge-patch+json"},
        )
        assert dry.json()["spec"]["stop"] is True and store.resource_version == before
        assert store.get("Executable", "api-1")["spec"]["stop"] is False
        assert (await patch("not json at all", "application/merge-patch+json")).status_code == 400


async def test_delete_with_and_without_finalizers():
    store = ObjectStore()
    store.create(executable("held"))  # Executables carry the controller's finalizer
    plain = executable("plain")
    del plain["metadata"]["finalizers"]
    store.create(plain)
    async with kube_server(store) as k:
        wrong_uid = await k.client.request(
            "DELETE", f"{EXE}/held", content=json.dumps({"preconditions": {"uid": "nope"}})
        )
        assert wrong_uid.status_code == 409 and "Precondition failed" in wrong_uid.json()["message"]
        dry = await k.client.request("DELETE", f"{EXE}/held", content=json.dumps({"dryRun": ["All"]}))
        assert dry.status_code == 200 and not store.get("Executable", "held")["metadata"].get(
            "deletionTimestamp"
        )

        held = await k.client.request(
            "DELETE",
            f"{EXE}/held",
            content=json.dumps({"kind": "DeleteOptions", "propagationPolicy": "Background"}),
        )
        assert held.status_code == 202 and held.json()["metadata"]["deletionTimestamp"]
        assert store.exists("Executable", "held")  # until its controller lets go
        gone = await k.client.delete(f"{EXE}/plain")
        assert gone.status_code == 200 and gone.json()["metadata"]["name"] == "plain"
        assert not store.exists("Executable", "plain")
        assert (await k.client.delete(f"{EXE}/plain")).status_code == 404


async def test_watch_streams_changes_and_honours_selectors():
    store = ObjectStore()
    store.create(executable("a-1", "a"))
    store.create(executable("b-1", "b"))
    async with kube_server(store) as k:
        params = {"watch": "true", "labelSelector": "pyspire.dev/resource=a"}
        async with k.client.stream("GET", EXE, params=params) as response:
            assert response.status_code == 200
            events = watch_lines(response)
            first = await anext(events)
            assert (first["type"], first["object"]["metadata"]["name"]) == ("ADDED", "a-1")
            store.patch_status("Executable", "b-1", {"state": "Running"})  # not selected
            store.patch_status("Executable", "a-1", {"state": "Running"})
            modified = await anext(events)
            assert modified["type"] == "MODIFIED" and modified["object"]["status"]["state"] == "Running"
            # Leaving the selection reads as DELETED, entering it as ADDED.
            store.patch("Executable", "a-1", {"metadata": {"labels": {"pyspire.dev/resource": "c"}}})
            assert (await anext(events))["type"] == "DELETED"
            store.patch("Executable", "b-1", {"metadata": {"labels": {"pyspire.dev/resource": "a"}}})
            entered = await anext(events)
            assert (entered["type"], entered["object"]["metadata"]["name"]) == ("ADDED", "b-1")


async def test_watch_from_a_version_with_tables_and_field_selector():
    store = ObjectStore()
    store.create(executable("a-1"))
    async with kube_server(store) as k:
        listed = (await k.client.get(EXE, headers={"accept": TABLE})).json()
        version = listed["metadata"]["resourceVersion"]
        store.create(executable("a-2"))
        store.patch_status("Executable", "a-1", {"state": "Running", "pid": 7})
        params = {"watch": "1", "resourceVersion": version, "fieldSelector": "metadata.name=a-1"}
        async with k.client.stream("GET", EXE, params=params, headers={"accept": TABLE}) as response:
            events = watch_lines(response)
            event = await anext(events)
            assert event["type"] == "MODIFIED" and event["object"]["kind"] == "Table"
            assert event["object"]["rows"][0]["cells"][:3] == ["a-1", "Running", 7]
            assert event["object"]["columnDefinitions"]  # the first event carries them...
            store.patch_status("Executable", "a-1", {"state": "Finished", "exitCode": 0})
            later = await anext(events)
            assert "columnDefinitions" not in later["object"]  # ...later ones do not
            assert later["object"]["rows"][0]["cells"][3] == 0


async def test_watch_from_a_version_too_old_gets_an_expired_error_event():
    store = ObjectStore(history=2)
    for n in range(5):
        store.create(executable(f"a-{n}"))
    async with kube_server(store) as k:
        async with k.client.stream("GET", EXE, params={"watch": "true", "resourceVersion": "1"}) as response:
            assert response.status_code == 200
            events = [e async for e in watch_lines(response)]
    assert len(events) == 1 and events[0]["type"] == "ERROR"
    status = events[0]["object"]
    assert status["kind"] == "Status" and status["code"] == 410 and status["reason"] == "Expired"
    async with kube_server(store) as k:
        bad = await k.client.get(EXE, params={"watch": "true", "resourceVersion": "abc"})
        assert bad.status_code == 400 and bad.json()["reason"] == "BadRequest"


async def test_watch_ends_on_timeout_closing_and_client_disconnect():
    store = ObjectStore()
    async with kube_server(store) as k:
        async with k.client.stream("GET", EXE, params={"watch": "true", "timeoutSeconds": "0.2"}) as response:
            assert [e async for e in watch_lines(response)] == []
        # A client that goes away releases its watcher in the store.
        async with k.client.stream("GET", EXE, params={"watch": "true"}) as response:
            await asyncio.sleep(0.1)
            assert store.watchers == 1
        for _ in range(100):
            if not store.watchers:
                break
            await asyncio.sleep(0.01)
        assert not store.watchers
        # Closing the API ends every open watch at once.
        async with k.client.stream("GET", EXE, params={"watch": "true"}) as response:
            await asyncio.sleep(0.05)
            k.closing.set()
            async with asyncio.timeout(2):
                assert [e async for e in watch_lines(response)] == []


@pytest.mark.parametrize("method", ["POST", "PUT"])
async def test_unsupported_verbs_are_405(method):
    async with kube_server() as k:
        response = await k.client.request(method, f"{EXE}/x", content=b"{}")
        assert response.status_code == 405


async def test_openapi_v3_documents_for_kubectl_edit_and_explain():
    async with kube_server() as k:
        root = (await k.client.get("/openapi/v3")).json()
        url = root["paths"]["apis/pyspire.dev/v1"]["serverRelativeURL"]
        assert url.startswith("/openapi/v3/apis/pyspire.dev/v1?hash=")
        document = (await k.client.get(url)).json()
        patch = document["paths"]["/apis/pyspire.dev/v1/executables/{name}"]["patch"]
        assert patch["x-kubernetes-group-version-kind"] == {
            "group": "pyspire.dev",
            "version": "v1",
            "kind": "Executable",
        }
        assert "fieldValidation" in {
            p["name"] for p in patch["parameters"]
        }  # kubectl then validates server-side
        schema = document["components"]["schemas"]["dev.pyspire.v1.Executable"]
        assert set(schema["properties"]) == {"apiVersion", "kind", "metadata", "spec", "status"}
