"""One fan-out primitive: a :class:`Broadcast` hands every published item to each subscriber's
own bounded buffer, and what happens when a buffer is full is the stream's declared policy.

A subscriber that stops reading (an SSE client gone quiet, a ``kubectl get -w`` in a paused
terminal, a log follower behind a slow pipe) must never make the app host's memory grow, and it
must never slow down the publisher: :meth:`Broadcast.publish` is synchronous, awaits nothing and
costs one buffer operation per subscriber. Three policies (:mod:`pyspire.orchestrator.overflow`)
cover the streams pyspire has: the latest per key for state, drop and count for logs, Gone for
object watches.

Below the bound every policy delivers every item in order, so a reader that keeps up sees
exactly what was published. A subscription is registered synchronously when it is made, so a
caller can read the current state and then the changes with nothing lost or repeated between.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import TracebackType
from typing import Generic, TypeVar

from pyspire.orchestrator.overflow import OverflowPolicy

__all__ = ["Broadcast", "Subscription"]

T = TypeVar("T")

#: A reader with items waiting does not suspend when it takes one; after this many in a row it
#: yields to the loop once, so a consumer working through a burst cannot starve everything else.
YIELD_EVERY = 64


class Broadcast(Generic[T]):
    """Fans each published item out to every subscription, through its policy's buffer."""

    def __init__(self, policy: OverflowPolicy[T]) -> None:
        self.policy = policy
        self._subscriptions: dict[Subscription[T], None] = {}  # ordered, O(1) removal

    def publish(self, item: T) -> None:
        """Hand ``item`` to every subscriber: synchronous, O(subscribers), never waits."""
        ended: list[Subscription[T]] | None = None
        for subscription in self._subscriptions:
            if not subscription._offer(item):
                ended = ended or []
                ended.append(subscription)
        if ended:
            for subscription in ended:
                self._subscriptions.pop(subscription, None)

    def subscribe(
        self, accept: Callable[[T], bool] | None = None, policy: OverflowPolicy[T] | None = None
    ) -> Subscription[T]:
        """Register now for every later item (those ``accept`` takes, when given). ``policy``
        replaces the stream's for this subscriber (a client watch bounded tighter than the
        app host's own controllers)."""
        return Subscription(self, accept, policy)

    def __len__(self) -> int:
        """How many subscriptions are registered."""
        return len(self._subscriptions)


class Subscription(Generic[T]):
    """One subscriber's view of a :class:`Broadcast`: an async iterator over the items published
    after it was made, through a bounded buffer. Close it (``aclose``, ``close``, or use it as a
    context manager) to unregister; its iteration then ends. Otherwise only the policy ends it."""

    def __init__(
        self,
        broadcast: Broadcast[T],
        accept: Callable[[T], bool] | None = None,
        policy: OverflowPolicy[T] | None = None,
    ) -> None:
        self._broadcast = broadcast
        self._buffer = (policy or broadcast.policy).buffer()
        self._accept = accept
        self._waiter: asyncio.Future[None] | None = None
        self._streak = 0
        self._closed = False
        broadcast._subscriptions[self] = None

    def _offer(self, item: T) -> bool:
        if self._accept is not None and not self._accept(item):
            return True
        keep = self._buffer.put(item)
        waiter = self._waiter  # _wake, inlined: this runs once per item and subscriber
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)
        return keep

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def __aiter__(self) -> Subscription[T]:
        return self

    async def __anext__(self) -> T:
        while True:
            item = self._buffer.take()
            if item is not None:
                self._streak += 1
                if self._streak >= YIELD_EVERY:
                    self._streak = 0
                    await asyncio.sleep(0)
                return item
            self._streak = 0
            if self._closed:
                raise StopAsyncIteration
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    def close(self) -> None:
        """Unregister: nothing more is buffered for this subscriber, and its iteration ends once
        it has what was (a reader waiting now is woken to end)."""
        self._broadcast._subscriptions.pop(self, None)
        self._closed = True
        self._wake()

    async def aclose(self) -> None:
        self.close()

    def __enter__(self) -> Subscription[T]:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    async def __aenter__(self) -> Subscription[T]:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
