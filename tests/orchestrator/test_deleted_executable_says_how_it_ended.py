"""Deleting a running Executable (what shutdown does to each one): the object says Stopping while
it stops, and the event that removes it carries how it ended — a watcher (the executor, a
``kubectl get -w``) that sees only the deletion still learns the exit code. A stopped but not
deleted Executable keeps its object, its finalizer and its final status."""

from __future__ import annotations

import asyncio
import sys

from pyspire.orchestrator import Orchestrator
from pyspire.orchestrator.objects import EXECUTABLE, FINALIZER, new_executable
from pyspire.orchestrator.store import ObjectStore, WatchEvent
from tests.orchestrator.watching import until_object

SLEEPER = ["-c", "import time; time.sleep(60)"]


def sleeper(name: str) -> dict:
    return new_executable(
        name,
        resource=name,
        command=sys.executable,
        args=SLEEPER,
        env={},
        working_directory="/",
        grace_period_seconds=5,
    )


async def events_until_deleted(store: ObjectStore, name: str, since: str) -> list[WatchEvent]:
    seen: list[WatchEvent] = []
    async with asyncio.timeout(10):
        async for event in store.watch(EXECUTABLE, resource_version=since):
            if event.name == name:
                seen.append(event)
                if event.type == "DELETED":
                    return seen
    raise AssertionError("the watch ended")


async def test_a_deleted_executable_goes_through_stopping_and_its_deletion_carries_its_exit():
    orchestrator = Orchestrator()
    store = orchestrator.store
    async with orchestrator.running():
        store.create(sleeper("victim"))
        running = await until_object(store, EXECUTABLE, "victim", lambda o: o["status"].get("state") == "Running")
        watching = asyncio.create_task(events_until_deleted(store, "victim", store.resource_version))
        store.delete(EXECUTABLE, "victim")
        events = await watching

    states = [e.object["status"].get("state") for e in events]
    assert "Stopping" in states, states
    last = events[-1].object
    assert last["status"]["state"] == "Terminated"
    assert last["status"]["exitCode"] == -15  # python's default SIGTERM handling: killed by it
    assert last["status"]["finishTimestamp"]
    assert last["status"]["pid"] == running["status"]["pid"]
    assert not store.exists(EXECUTABLE, "victim")


async def test_a_stopped_executable_keeps_its_object_finalizer_and_final_status():
    orchestrator = Orchestrator()
    store = orchestrator.store
    async with orchestrator.running():
        store.create(sleeper("paused"))
        await until_object(store, EXECUTABLE, "paused", lambda o: o["status"].get("state") == "Running")
        store.patch(EXECUTABLE, "paused", {"spec": {"stop": True}})
        stopped = await until_object(
            store, EXECUTABLE, "paused", lambda o: o["status"].get("state") == "Terminated"
        )
        assert stopped["status"]["exitCode"] == -15
        assert stopped["metadata"]["finalizers"] == [FINALIZER]
        assert store.get(EXECUTABLE, "paused")["status"]["state"] == "Terminated"
