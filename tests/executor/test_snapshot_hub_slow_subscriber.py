"""A snapshot subscriber that stops reading holds at most the hub's bound, or one pending snapshot
per resource: reading again, it gets each resource's newest state, in version order."""

from __future__ import annotations

import asyncio

from pyspire.executor.snapshots import SUBSCRIBER_BUFFER, ResourceSnapshot, SnapshotHub


async def test_a_subscriber_that_stops_reading_gets_the_newest_snapshot_of_each_resource():
    hub = SnapshotHub()
    for name in ("api", "worker"):
        hub.add(ResourceSnapshot(name, "Executable"))
    subscription = hub.subscribe()
    one = hub.subscribe("worker")
    assert hub.watchers == 2 and [s.name for s in one.current] == ["worker"]
    for n in range(10 * SUBSCRIBER_BUFFER):
        hub.publish("api", state="Running" if n % 2 else "Exited", restart_count=n)
    hub.publish("worker", state="Running")
    held = len(subscription._buffer)  # type: ignore[arg-type]
    assert held <= SUBSCRIBER_BUFFER
    async with asyncio.timeout(1):
        read = [await anext(subscription) for _ in range(held)]
        assert await anext(one) == hub.get("worker")  # the filtered one holds only its resource
    assert read[-1] == hub.get("worker") and hub.get("api") in read
    assert [s.version for s in read] == sorted(s.version for s in read)
    await subscription.aclose()
    await one.aclose()
    assert hub.watchers == 0
