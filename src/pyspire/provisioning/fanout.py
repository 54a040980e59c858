"""Concurrent work in dependency order: each item starts the moment *its own* prerequisites are
done (not when the whole previous level is), and its completion future completes exactly once —
with a result or with an error; a failed prerequisite fails the item naming the cause.

Provisioning waits for prerequisites; delete-all runs the same machinery over the reversed graph."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

from pyspire.provisioning.errors import PrerequisiteFailed

T = TypeVar("T")


def complete_once(future: asyncio.Future[T], result: T | None = None, error: BaseException | None = None) -> None:
    """Complete ``future``; completing it twice is a bug in the pass, not something to ignore."""
    if future.done():
        raise AssertionError("a completion future completed twice")
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]


async def run_in_order(
    names: Sequence[str],
    waits_for: Mapping[str, Sequence[str]],
    work: Callable[[str, dict[str, T]], Awaitable[T]],
    futures: Mapping[str, asyncio.Future[T]],
    on_blocked: Callable[[str, PrerequisiteFailed], None] = lambda name, error: None,
) -> None:
    """Run ``work(name, results_of_prerequisites)`` for every name, completing ``futures[name]``.

    Canceling this coroutine cancels every item still running; their futures are canceled too."""

    async def one(name: str) -> None:
        try:
            ready: dict[str, T] = {}
            for p in waits_for.get(name, ()):
                try:
                    ready[p] = await asyncio.shield(futures[p])
                except asyncio.CancelledError:
                    if futures[p].cancelled():
                        futures[name].cancel()
                        return
                    raise
                except Exception as e:
                    blocked = PrerequisiteFailed(name, p, e)
                    on_blocked(name, blocked)
                    complete_once(futures[name], error=blocked)
                    return
            result = await work(name, ready)
        except asyncio.CancelledError:
            futures[name].cancel()
            raise
        except Exception as e:
            complete_once(futures[name], error=e)
            return
        complete_once(futures[name], result)

    tasks = [asyncio.create_task(one(n), name=f"provision {n}") for n in names]
    try:
        await asyncio.gather(*tasks)
    except asyncio.CancelledError:
        # gather has already passed the cancel to every item once: a second cancel would cut
        # short the clean-up an item runs for it (canceling its cloud deployment)
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    finally:
        for f in futures.values():
            if f.done() and not f.cancelled():
                f.exception()  # retrieved: the outcome is reported through the pass result
