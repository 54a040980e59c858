"""The object store follows Kubernetes conventions: versions, finalizers, resumable watches."""

from __future__ import annotations

import asyncio

import pytest

from pyspire.orchestrator.objects import new_executable
from pyspire.orchestrator.store import (
    AlreadyExists,
    Conflict,
    NotFound,
    ObjectStore,
    ResourceVersionGone,
    merge_patch,
)


def exe(name: str) -> dict:
    return new_executable(
        name, resource="r", command="true", args=[], env={}, working_directory="/", grace_period_seconds=1
    )


def test_create_get_list_patch_delete():
    store = ObjectStore()
    created = store.create(exe("a"))
    meta = created["metadata"]
    assert created["apiVersion"] == "pyspire.dev/v1" and created["kind"] == "Executable"
    assert meta["uid"] and meta["creationTimestamp"].endswith("Z") and meta["resourceVersion"] == "1"
    with pytest.raises(AlreadyExists):
        store.create(exe("a"))
    store.create(exe("b"))
    assert [o["metadata"]["name"] for o in store.list("Executable")] == ["a", "b"]
    assert store.list("Executable", {"pyspire.dev/resource": "nope"}) == []
    patched = store.patch("Executable", "a", {"status": {"state": "Running", "pid": 7}})
    assert patched["status"] == {"state": "Running", "pid": 7}
    assert int(patched["metadata"]["resourceVersion"]) > int(meta["resourceVersion"])
    with pytest.raises(Conflict):
        store.patch("Executable", "a", {"spec": {"stop": True}}, resource_version=meta["resourceVersion"])
    # Returned objects are copies: changing them does not change the store.
    patched["status"]["pid"] = 99
    assert store.get("Executable", "a")["status"]["pid"] == 7
    # Finalizers delay deletion until the controller removes them.
    store.delete("Executable", "a")
    assert store.get("Executable", "a")["metadata"]["deletionTimestamp"]
    store.remove_finalizer("Executable", "a", "pyspire.dev/cleanup")
    with pytest.raises(NotFound):
        store.get("Executable", "a")


def test_merge_patch_semantics():
    assert merge_patch({"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"c": None, "e": 4}, "f": [1]}) == {
        "a": 1,
        "b": {"d": 3, "e": 4},
        "f": [1],
    }


async def test_watch_lists_then_streams_and_resumes_from_a_version():
    store = ObjectStore(history=5)
    store.create(exe("a"))
    events = []

    async def collect(n, **kwargs):
        async for event in store.watch("Executable", **kwargs):
            events.append((event.type, event.name, event.object["metadata"]["resourceVersion"]))
            if len(events) >= n:
                return

    task = asyncio.create_task(collect(3))
    await asyncio.sleep(0)
    store.patch("Executable", "a", {"status": {"state": "Running"}})
    store.delete("Executable", "a")
    store.remove_finalizer("Executable", "a", "pyspire.dev/cleanup")
    await asyncio.wait_for(task, 1)
    assert [e[:2] for e in events] == [("ADDED", "a"), ("MODIFIED", "a"), ("MODIFIED", "a")]

    # Resuming from a version replays only what came after it.
    events.clear()
    await asyncio.wait_for(collect(2, resource_version="2"), 1)
    assert [e[0] for e in events] == ["MODIFIED", "DELETED"]
    # A version older than the history is Gone: the client must list again.
    for i in range(10):
        store.create(exe(f"n{i}"))
    with pytest.raises(ResourceVersionGone):
        async for _ in store.watch("Executable", resource_version="1"):
            pass
