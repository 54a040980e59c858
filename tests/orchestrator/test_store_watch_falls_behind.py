"""A watch that falls behind the store is ended with Gone and its queue freed; a re-list and a
watch from the list's version carry on. The store's own history replay does not count against
the bound, so a watch of a big store starts without being Gone at once."""

from __future__ import annotations

import asyncio

import pytest

from pyspire.orchestrator.store import ObjectStore, ResourceVersionGone


def executable(name: str) -> dict:
    return {"kind": "Executable", "metadata": {"name": name}, "spec": {"command": "sleep"}}


async def test_a_watch_too_far_behind_gets_gone_and_a_relist_carries_on():
    store = ObjectStore(watch_queue_limit=5)
    for n in range(20):  # more existing objects than the bound: they are listed, not queued
        store.create(executable(f"old-{n}"))
    watch = store.watch("Executable")
    listed = [await anext(watch) for _ in range(20)]
    assert {e.type for e in listed} == {"ADDED"} and store.watchers == 1
    for n in range(6):  # one more change than the watch may have waiting
        store.create(executable(f"new-{n}"))
    assert store.watchers == 0  # dropped at once: nothing more is queued for it
    with pytest.raises(ResourceVersionGone, match="fell too far behind"):
        await anext(watch)

    version = store.resource_version
    assert len(store.list("Executable")) == 26
    again = store.watch("Executable", resource_version=version)
    reader = asyncio.ensure_future(anext(again))
    await asyncio.sleep(0)
    store.patch("Executable", "new-0", {"status": {"state": "Running"}})
    async with asyncio.timeout(1):
        event = await reader
    assert event.type == "MODIFIED" and event.name == "new-0"
    await again.aclose()


async def test_a_tighter_bound_can_be_asked_for_one_watch():
    store = ObjectStore()
    client = store.watch("Executable", limit=2)
    controller = store.watch("Executable")
    client_reader = asyncio.ensure_future(anext(client))
    controller_reader = asyncio.ensure_future(anext(controller))
    await asyncio.sleep(0)
    assert store.watchers == 2
    for n in range(4):
        store.create(executable(f"e-{n}"))
    assert store.watchers == 1  # only the client's watch was over its bound
    async with asyncio.timeout(1):
        assert (await controller_reader).name == "e-0"
        with pytest.raises(ResourceVersionGone):
            await client_reader  # what it had queued was freed: it is told it fell behind
    await controller.aclose()
