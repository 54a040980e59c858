"""Waiting on the object store by its watch, not by polling."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from pyspire.extensions import Obj, ObjectStore


async def until_object(
    store: ObjectStore, kind: str, name: str, done: Callable[[Obj], bool], timeout: float = 10.0
) -> Obj:
    """The first version of ``kind``/``name`` for which ``done`` holds."""
    async with asyncio.timeout(timeout):
        async for event in store.watch(kind):
            if event.name == name and event.type != "DELETED" and done(event.object):
                return event.object
    raise AssertionError("the watch ended")
