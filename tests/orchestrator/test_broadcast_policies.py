"""The fan-out primitive: each subscriber has a bounded buffer, and a full buffer does what its
stream's policy says — keep the latest per key, drop and count, or end with Gone. A subscriber
that keeps up sees every item in order whatever the policy. An integration reaches all of it
through ``pyspire.extensions``."""

from __future__ import annotations

import asyncio

import pytest

from pyspire.extensions import Broadcast, DropAndCount, GoneOnOverflow, LatestPerKey, Subscription
from pyspire.orchestrator.broadcast import YIELD_EVERY


class Gone(Exception):
    pass


def taken(subscription: Subscription[str], count: int) -> list[str]:
    """The next ``count`` items, read without waiting (they must be buffered already)."""

    async def read() -> list[str]:
        async with asyncio.timeout(1):
            return [await anext(subscription) for _ in range(count)]

    return asyncio.run(read())


def test_a_subscriber_that_keeps_up_sees_every_item_in_order_under_every_policy():
    for policy in (LatestPerKey(lambda s: s[0], limit=4), DropAndCount(str, 4), GoneOnOverflow(Gone, 4)):
        broadcast: Broadcast[str] = Broadcast(policy)
        subscription = broadcast.subscribe()
        for item in ("a1", "a2", "b1", "a3"):
            broadcast.publish(item)
        assert taken(subscription, 4) == ["a1", "a2", "b1", "a3"], policy


def test_latest_per_key_keeps_only_the_newest_item_of_each_key_once_over_its_bound():
    broadcast: Broadcast[tuple[str, int]] = Broadcast(LatestPerKey(lambda item: item[0], limit=3))
    subscription = broadcast.subscribe()
    for version in range(1_000):
        broadcast.publish(("flapping", version))
        if version == 500:
            broadcast.publish(("quiet", version))
    assert len(subscription._buffer) == 2  # type: ignore[arg-type]  # one per key
    # Nothing of a key is lost altogether, each key ends on its newest item, in publication order.
    assert taken(subscription, 2) == [("quiet", 500), ("flapping", 999)]  # type: ignore[arg-type]
    # Caught up, the reader gets every item again.
    for version in range(1_000, 1_003):
        broadcast.publish(("flapping", version))
    assert taken(subscription, 3) == [("flapping", v) for v in range(1_000, 1_003)]  # type: ignore[arg-type]


def test_latest_per_key_with_more_keys_than_its_bound_holds_one_item_per_key():
    broadcast: Broadcast[tuple[int, int]] = Broadcast(LatestPerKey(lambda item: item[0], limit=2))
    subscription = broadcast.subscribe()
    for round_ in range(50):
        for key in range(10):
            broadcast.publish((key, round_))
    assert len(subscription._buffer) == 10  # type: ignore[arg-type]
    assert [item[1] for item in taken(subscription, 10)] == [49] * 10  # type: ignore[arg-type]


def test_drop_and_count_tells_the_reader_how_many_items_it_missed_then_gives_the_newest():
    broadcast: Broadcast[str] = Broadcast(DropAndCount(lambda count: f"{count} dropped", 3))
    subscription = broadcast.subscribe()
    for n in range(10):
        broadcast.publish(f"line {n}")
    assert taken(subscription, 4) == ["7 dropped", "line 7", "line 8", "line 9"]
    broadcast.publish("line 10")
    assert taken(subscription, 1) == ["line 10"]  # the count starts again


def test_gone_on_overflow_frees_the_buffer_ends_the_subscription_and_unregisters_it():
    broadcast: Broadcast[int] = Broadcast(GoneOnOverflow(lambda: Gone("list again"), limit=5))
    slow = broadcast.subscribe()
    fast = broadcast.subscribe()
    for n in range(5):
        broadcast.publish(n)
    assert taken(fast, 5) == [0, 1, 2, 3, 4]
    broadcast.publish(5)  # the sixth: one more than the slow one may hold
    assert len(broadcast) == 1  # only `fast` is still fed
    assert not len(slow._buffer)  # type: ignore[arg-type]
    with pytest.raises(Gone, match="list again"):
        taken(slow, 1)
    assert taken(fast, 1) == [5]


async def test_a_waiting_reader_is_woken_by_publish_and_by_gone():
    broadcast: Broadcast[int] = Broadcast(GoneOnOverflow(Gone, limit=1))
    subscription = broadcast.subscribe()
    reader = asyncio.create_task(anext(subscription))
    await asyncio.sleep(0)
    broadcast.publish(1)
    async with asyncio.timeout(1):
        assert await reader == 1
    reader = asyncio.create_task(anext(subscription))
    await asyncio.sleep(0)
    broadcast.publish(2)
    broadcast.publish(3)  # over the bound before the reader ran: Gone wins
    with pytest.raises(Gone):
        async with asyncio.timeout(1):
            await reader


async def test_closing_a_subscription_unregisters_it_and_a_filter_keeps_other_items_out():
    broadcast: Broadcast[str] = Broadcast(DropAndCount(str, 1))
    with broadcast.subscribe(accept=lambda item: item.startswith("api")) as subscription:
        assert len(broadcast) == 1
        broadcast.publish("worker: x")  # filtered out: takes no room, so nothing is dropped
        broadcast.publish("api: y")
        assert await anext(subscription) == "api: y"
    assert len(broadcast) == 0
    broadcast.publish("api: z")  # no subscriber: nothing kept anywhere


async def test_a_reader_working_through_a_burst_lets_other_tasks_run():
    broadcast: Broadcast[int] = Broadcast(DropAndCount(str, 10_000))  # type: ignore[arg-type]
    subscription = broadcast.subscribe()
    for n in range(YIELD_EVERY * 3):
        broadcast.publish(n)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    started = ticks
    for _ in range(YIELD_EVERY * 3):
        await anext(subscription)
    task.cancel()
    assert ticks - started >= 2  # the other task ran while the burst was read


def test_a_bound_below_one_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="at least 1"):
        LatestPerKey(str, limit=0)
    with pytest.raises(ValueError, match="at least 1"):
        GoneOnOverflow(Gone, limit=-1)
    with pytest.raises(ValueError, match="at least 1"):
        DropAndCount(str, 0)


async def test_closing_a_subscription_ends_the_iteration_of_a_reader_waiting_on_it():
    broadcast: Broadcast[str] = Broadcast(DropAndCount(str, 10))
    subscription = broadcast.subscribe()
    broadcast.publish("last")

    async def read_all() -> list[str]:
        return [item async for item in subscription]

    reader = asyncio.create_task(read_all())
    await asyncio.sleep(0)
    subscription.close()
    broadcast.publish("after the close")  # not for this subscriber any more
    async with asyncio.timeout(1):
        assert await reader == ["last"]
