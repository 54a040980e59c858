"""Following an app host's snapshots with a deadline.

An SSE stream yields only when an event arrives, and a quiet app host sends nothing but a
keep-alive every 15 s: a loop over the stream that checks its deadline between events overshoots
it by up to that much (``pyspire start --timeout 2`` returned after 15 s). So the stream is read
on a daemon thread into a queue, and the command waits on the queue with its own timeout.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Collection
from typing import Any

from pyspire.cli.client import ApiError, AppHostClient, AppHostUnreachable

#: ``(kind, data)``: the stream's events (``snapshot``, ``synced``, ``closing``), and ``error``
#: with the exception that ended the stream.
Event = tuple[str, Any]


def watch_in_background(
    client: AppHostClient, resource: str | None = None, kinds: Collection[str] | None = None
) -> queue.Queue[Event]:
    """Start following ``resource`` (or every resource); the queue gets the events of ``kinds``
    (all when None), then ``closing`` when the stream ends, or ``error``."""
    events: queue.Queue[Event] = queue.Queue()
    threading.Thread(target=_watch_into, args=(client, resource, kinds, events), daemon=True).start()
    return events


def next_event(events: queue.Queue[Event], deadline: float) -> Event | None:
    """The next event, or None once ``deadline`` (``time.monotonic()``) has passed."""
    try:
        return events.get(timeout=max(0.0, deadline - time.monotonic()))
    except queue.Empty:
        return None


def _watch_into(
    client: AppHostClient, resource: str | None, kinds: Collection[str] | None, events: queue.Queue[Event]
) -> None:
    try:
        for kind, data in client.watch(resource):
            if kinds is None or kind in kinds:
                events.put((kind, data))
        events.put(("closing", {}))
    except (ApiError, AppHostUnreachable) as exc:
        events.put(("error", exc))
    except Exception as exc:  # the command closed the client under the stream: it no longer listens
        events.put(("error", AppHostUnreachable(f"lost the app host's event stream: {exc}")))
