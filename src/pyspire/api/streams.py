"""Long-lived responses (watches, followed logs) that end when the app host stops.

A client that follows logs forever must not keep the app host from exiting, and a quiet stream
needs a keep-alive now and then so proxies and clients can tell it is still open (and so a
vanished client is noticed at the next write).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, Final, TypeVar

T = TypeVar("T")


class _Idle:
    """Yielded when the source had nothing for ``idle`` seconds."""


IDLE: Final = _Idle()


async def until_closed(
    source: AsyncIterator[T], closing: asyncio.Event, idle: float | None = None
) -> AsyncIterator[T | _Idle]:
    """Items of ``source`` until it ends or ``closing`` is set; :data:`IDLE` after every
    ``idle`` seconds without an item."""
    closed = asyncio.ensure_future(closing.wait())
    pending: asyncio.Future[T] | None = None
    try:
        while not closing.is_set():
            if pending is None:
                pending = asyncio.ensure_future(anext(source))
            waiting: set[asyncio.Future[Any]] = {pending, closed}
            done, _ = await asyncio.wait(waiting, timeout=idle, return_when=asyncio.FIRST_COMPLETED)
            if pending in done:
                finished, pending = pending, None
                try:
                    yield finished.result()
                except StopAsyncIteration:
                    return
            elif not done:
                yield IDLE
            else:
                return
    finally:
        closed.cancel()
        if pending is not None:
            pending.cancel()
            await asyncio.gather(pending, return_exceptions=True)
        aclose = getattr(source, "aclose", None)
        if aclose is not None:
            await aclose()
