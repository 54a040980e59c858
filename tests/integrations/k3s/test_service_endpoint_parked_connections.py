"""Connections wait for a ready pod, but only so many, and only so long."""

from __future__ import annotations

import asyncio

import pytest

from pyspire.integrations.k3s.ready_pods import ParkedConnectionsFull, ReadyPod

POD = {"metadata": {"name": "web-1"}}


async def test_a_connection_waiting_for_a_pod_gets_it_when_one_becomes_ready() -> None:
    ready = ReadyPod(max_parked=2)
    waiter = asyncio.create_task(ready.get(timeout=5))
    await asyncio.sleep(0.01)
    assert ready.parked == 1
    ready.publish(POD)
    assert await waiter is POD
    assert ready.parked == 0


async def test_connections_past_the_parked_cap_are_refused() -> None:
    ready = ReadyPod(max_parked=2)
    waiters = [asyncio.create_task(ready.get(timeout=5)) for _ in range(2)]
    await asyncio.sleep(0.01)
    with pytest.raises(ParkedConnectionsFull):
        await ready.get(timeout=5)
    ready.publish(POD)
    assert await asyncio.gather(*waiters) == [POD, POD]


async def test_a_parked_connection_gives_up_after_its_timeout_and_frees_its_place() -> None:
    ready = ReadyPod(max_parked=1)
    with pytest.raises(TimeoutError):
        await ready.get(timeout=0.05)
    assert ready.parked == 0


async def test_no_pod_after_the_ready_one_went_away_means_waiting_again() -> None:
    ready = ReadyPod(max_parked=1)
    ready.publish(POD)
    assert await ready.get(timeout=1) is POD
    ready.publish(None)
    with pytest.raises(TimeoutError):
        await ready.get(timeout=0.05)
