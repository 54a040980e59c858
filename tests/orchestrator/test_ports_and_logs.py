"""Port quarantine and the log store's ring buffer, redaction and slow followers."""

from __future__ import annotations

import asyncio

from pyspire.orchestrator import ports as ports_module
from pyspire.orchestrator.logs import LogStore
from pyspire.orchestrator.ports import PortAllocator


def test_released_ports_are_not_reused_for_two_minutes(monkeypatch):
    offered = iter([5000, 5000, 5001, 5000, 5002])
    monkeypatch.setattr(ports_module, "pick_free_port", lambda host, protocol: next(offered))
    clock = [1000.0]
    monkeypatch.setattr(ports_module.time, "monotonic", lambda: clock[0])
    allocator = PortAllocator()
    assert allocator.allocate() == 5000
    assert allocator.allocate() == 5001  # 5000 is in use: skipped
    allocator.release(5000)
    clock[0] += 119
    assert allocator.allocate() == 5002  # 5000 is still quarantined
    clock[0] += 2
    assert not allocator.is_quarantined(5000)


def test_ring_buffer_keeps_the_newest_lines_and_redacts_secrets():
    store = LogStore(default_lines=3)
    store.redact(["hunter22"])
    store.append("api", "api-x", "stdout", ["one", "two password=hunter22"])
    store.append("api", "api-x", "stderr", ["three", "four", "five"])
    assert [line.text for line in store.lines("api")] == ["three", "four", "five"]
    store.configure("api", max_lines=10)
    store.append("api", "api-y", "stdout", ["pw hunter22 again"])
    texts = [line.text for line in store.lines("api")]
    assert texts[-1] == "pw *** again"
    assert [line.text for line in store.lines("api", replica="api-y")] == ["pw *** again"]
    assert store.lines("api", tail=2)[0].text == "five"


async def test_a_slow_follower_loses_lines_but_is_told_how_many():
    store = LogStore()
    follower = store.follow("api", limit=10)
    first = asyncio.ensure_future(follower.__anext__())
    await asyncio.sleep(0)
    store.append("api", "api-x", "stdout", [str(i) for i in range(25)])
    line = await first
    assert line.stream == "system" and "15 lines dropped" in line.text
    rest = [(await follower.__anext__()).text for _ in range(10)]
    assert rest == [str(i) for i in range(15, 25)]
    await follower.aclose()
