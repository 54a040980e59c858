"""Lifecycle events: what an integration or the user's ``apphost.py`` can react to.

Pure data. Subscribe on the builder (``builder.subscribe(ResourceReady, callback, resource=api)``
or ``api.on_ready(callback)``); the executor dispatches. A callback is sync or async and receives
the event. What it raises fails only what the event concerns: a raising before-start subscriber
fails that resource's start (its traceback goes to the resource's log); a raising ready or stopped
subscriber is reported in the resource's log; a raising app before-start subscriber is reported in
the app host's log. None of them stops the app host.

Order for one resource: :class:`BeforeResourceStart` (after its waits, before its processes or
objects exist; awaited, so a subscriber can prepare a file, a database, a secret), then
:class:`ResourceReady` once per start (Running and Healthy), then :class:`ResourceStopped` when it
has ended. :class:`BeforeAppStart` comes before every one of them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from pyspire.model.resources import Resource


@dataclass(frozen=True)
class BeforeAppStart:
    """The app is about to start its resources (validated; nothing runs yet)."""

    resources: tuple[Resource, ...]


@dataclass(frozen=True)
class BeforeResourceStart:
    """``resource``'s waits are satisfied; its processes or objects are created once every
    subscriber has returned."""

    resource: Resource


@dataclass(frozen=True)
class ResourceReady:
    """``resource`` is Running and Healthy (once per start: a health flap does not repeat it)."""

    resource: Resource


@dataclass(frozen=True)
class ResourceStopped:
    """``resource`` has ended (Exited, Finished or FailedToStart); ``state`` says which."""

    resource: Resource
    state: str
    exit_code: int | None = None


#: Every event type one can subscribe to.
LifecycleEvent = BeforeAppStart | BeforeResourceStart | ResourceReady | ResourceStopped

E = TypeVar("E", BeforeAppStart, BeforeResourceStart, ResourceReady, ResourceStopped)

#: A subscriber: called with the event; may be a coroutine function.
EventCallback = Callable[[E], Awaitable[object] | object]


@dataclass(frozen=True)
class EventSubscription(Generic[E]):
    """One subscription recorded in the model: ``callback`` for events of ``event_type``, only
    those about ``resource`` when given."""

    event_type: type[E]
    callback: EventCallback[E]
    resource: Resource | None = None

    def matches(self, event: LifecycleEvent) -> bool:
        if not isinstance(event, self.event_type):
            return False
        if self.resource is None:
            return True
        return getattr(event, "resource", None) is self.resource
