"""The object store: orchestrator objects with Kubernetes conventions.

Objects are plain JSON-ready dicts (``apiVersion``, ``kind``, ``metadata``, ``spec``, ``status``) so
the same store can be served over HTTP to kubectl without translation. Every change bumps one
store-wide ``resourceVersion`` and is kept in a bounded history, so a watch can resume from a
version the way a Kubernetes client does (and gets :class:`ResourceVersionGone` when it is too old).
"""

from __future__ import annotations

import asyncio
import copy
import uuid
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pyspire.errors import PyspireError
from pyspire.orchestrator.broadcast import YIELD_EVERY, Broadcast
from pyspire.orchestrator.overflow import GoneOnOverflow, OverflowPolicy

API_GROUP = "pyspire.dev"
API_VERSION = f"{API_GROUP}/v1"

Obj = dict[str, Any]
EventType = Literal["ADDED", "MODIFIED", "DELETED"]


class StoreError(PyspireError):
    """Base of the store's errors; each maps onto a Kubernetes status code."""

    status_code = 500


class NotFound(StoreError, KeyError):
    status_code = 404


class AlreadyExists(StoreError):
    status_code = 409


class Conflict(StoreError):
    """The caller's ``resourceVersion`` is stale: re-read and retry."""

    status_code = 409


class ResourceVersionGone(StoreError):
    """A watch asked to resume from a version older than the kept history: re-list."""

    status_code = 410


@dataclass(frozen=True)
class WatchEvent:
    """One change. ``object`` is shared between watchers: treat it as read-only."""

    type: EventType
    object: Obj

    @property
    def kind(self) -> str:
        return str(self.object["kind"])

    @property
    def name(self) -> str:
        return str(self.object["metadata"]["name"])


def now_rfc3339() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: dicts merge, ``None`` deletes, anything else replaces."""
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def labels_match(obj: Obj, selector: Mapping[str, str] | None) -> bool:
    if not selector:
        return True
    labels = obj["metadata"].get("labels") or {}
    return all(labels.get(k) == v for k, v in selector.items())


class ObjectStore:
    """In-memory store of orchestrator objects with create/get/list/patch/delete/watch.

    All methods run on the app host's event loop; mutations are synchronous, so a reader never sees
    half a change. Deletion honours ``metadata.finalizers``: the object first gets a
    ``deletionTimestamp`` and goes away when its controller removes the last finalizer.
    """

    #: Changes kept for watches that resume from a version. Each is a copy of a whole object
    #: (an Executable carries its environment: ~10 KB), and a crash loop makes five per
    #: restart, so the history is what a long-running app host's memory grows with; 20,000
    #: took 200 MB. A watch further behind than this gets 410 Gone and lists again, as with
    #: Kubernetes' watch cache (100 events per kind by default).
    HISTORY = 1_000

    #: Changes a watcher of the app host's own (a controller) may have waiting before it gets
    #: Gone. Its events are the ones the history shares (a reference each, no copy).
    WATCH_QUEUE_LIMIT = 50_000

    def __init__(self, history: int = HISTORY, watch_queue_limit: int = WATCH_QUEUE_LIMIT) -> None:
        self._objects: dict[tuple[str, str], Obj] = {}
        self._version = 0
        self._history: deque[tuple[int, WatchEvent]] = deque(maxlen=history)
        self._changes: Broadcast[WatchEvent] = Broadcast(_gone_after(watch_queue_limit))

    # -- reading -------------------------------------------------------------------------------

    @property
    def resource_version(self) -> str:
        return str(self._version)

    @property
    def watchers(self) -> int:
        """How many watches are open."""
        return len(self._changes)

    def get(self, kind: str, name: str) -> Obj:
        try:
            return copy.deepcopy(self._objects[(kind, name)])
        except KeyError:
            raise NotFound(f"{kind} {name!r} not found") from None

    def exists(self, kind: str, name: str) -> bool:
        """Whether the object exists (no copy: cheap enough for tight loops)."""
        return (kind, name) in self._objects

    def find(self, kind: str, name: str) -> Obj | None:
        found = self._objects.get((kind, name))
        return copy.deepcopy(found) if found is not None else None

    def names(self, kind: str) -> list[str]:
        """The names of every object of ``kind`` (no copies: what a sweep over them needs)."""
        return [name for (k, name) in self._objects if k == kind]

    def list(self, kind: str, labels: Mapping[str, str] | None = None) -> list[Obj]:
        return [
            copy.deepcopy(obj)
            for (k, _), obj in self._objects.items()
            if k == kind and labels_match(obj, labels)
        ]

    # -- writing -------------------------------------------------------------------------------

    def create(self, obj: Mapping[str, Any]) -> Obj:
        new = copy.deepcopy(dict(obj))
        kind = new["kind"]
        meta = new.setdefault("metadata", {})
        key = (kind, meta["name"])
        if key in self._objects:
            raise AlreadyExists(f"{kind} {meta['name']!r} already exists")
        new.setdefault("apiVersion", API_VERSION)
        meta.setdefault("labels", {})
        meta.setdefault("annotations", {})
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = now_rfc3339()
        meta.pop("deletionTimestamp", None)
        new.setdefault("spec", {})
        new.setdefault("status", {})
        self._objects[key] = new
        self._commit("ADDED", new)
        return copy.deepcopy(new)

    def patch(
        self, kind: str, name: str, patch: Mapping[str, Any], resource_version: str | None = None
    ) -> Obj:
        """Apply a JSON merge patch to the whole object (spec, status, labels alike)."""
        return copy.deepcopy(self._apply(kind, name, patch, resource_version))

    def _apply(
        self, kind: str, name: str, patch: Mapping[str, Any], resource_version: str | None = None
    ) -> Obj:
        """:meth:`patch` returning the stored object itself (a caller that drops it saves a copy)."""
        current = self._objects.get((kind, name))
        if current is None:
            raise NotFound(f"{kind} {name!r} not found")
        if resource_version is not None and resource_version != current["metadata"]["resourceVersion"]:
            raise Conflict(f"{kind} {name!r} changed since version {resource_version}; re-read it and retry")
        for immutable in ("kind", "apiVersion"):
            if immutable in patch and patch[immutable] != current[immutable]:
                raise Conflict(f"{kind} {name!r}: {immutable} cannot change")
        updated: Obj = merge_patch(current, patch)
        updated["metadata"]["name"] = name
        updated["metadata"]["uid"] = current["metadata"]["uid"]
        if updated == current:
            return current
        self._objects[(kind, name)] = updated
        if current["metadata"].get("deletionTimestamp") and not updated["metadata"].get("finalizers"):
            del self._objects[(kind, name)]
            self._commit("DELETED", updated)
        else:
            self._commit("MODIFIED", updated)
        return updated

    def patch_status(self, kind: str, name: str, status: Mapping[str, Any]) -> Obj | None:
        """Merge ``status`` into the object's status; ``None`` when the object is already gone."""
        if (kind, name) not in self._objects:
            return None
        return self.patch(kind, name, {"status": status})

    def delete(self, kind: str, name: str) -> Obj | None:
        """Delete now, or mark for deletion when finalizers remain. ``None`` if it did not exist."""
        current = self._objects.get((kind, name))
        if current is None:
            return None
        if current["metadata"].get("finalizers"):
            if not current["metadata"].get("deletionTimestamp"):
                return self.patch(kind, name, {"metadata": {"deletionTimestamp": now_rfc3339()}})
            return copy.deepcopy(current)
        del self._objects[(kind, name)]
        self._commit("DELETED", current)
        return copy.deepcopy(current)

    def remove_finalizer(
        self, kind: str, name: str, finalizer: str, status: Mapping[str, Any] | None = None
    ) -> None:
        """Remove ``finalizer``; ``status``, when given, is merged in the same change (a
        controller's last word on an object it lets go: one change, one fan-out, not two)."""
        current = self._objects.get((kind, name))
        if current is None:
            return
        finalizers = [f for f in current["metadata"].get("finalizers") or [] if f != finalizer]
        change: dict[str, Any] = {"metadata": {"finalizers": finalizers or None}}
        if status:
            change["status"] = status
        self._apply(kind, name, change)

    def _commit(self, event_type: EventType, obj: Obj) -> None:
        self._version += 1
        obj["metadata"]["resourceVersion"] = str(self._version)
        event = WatchEvent(event_type, copy.deepcopy(obj))
        self._history.append((self._version, event))
        self._changes.publish(event)

    # -- watching ------------------------------------------------------------------------------

    async def watch(
        self,
        kind: str | None = None,
        resource_version: str | None = None,
        labels: Mapping[str, str] | None = None,
        on_ready: Callable[[], None] | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[WatchEvent]:
        """Stream changes. Without ``resource_version``: an ADDED event per existing object, then
        changes. With one: every change after that version (raises :class:`ResourceVersionGone`
        when the history no longer reaches back that far). ``on_ready`` is called once the watch is
        registered, so a caller can act knowing no later change will be missed. A watcher more
        than ``limit`` changes behind (the store's ``watch_queue_limit`` when None) gets
        :class:`ResourceVersionGone` too, and its queued changes are freed: it lists again."""

        def wanted(event: WatchEvent) -> bool:
            return (kind is None or event.kind == kind) and labels_match(event.object, labels)

        backlog: list[WatchEvent]
        if resource_version is None:
            backlog = [WatchEvent("ADDED", copy.deepcopy(obj)) for obj in self._objects.values()]
        else:
            since = int(resource_version)
            oldest = self._history[0][0] if self._history else self._version + 1
            if since < oldest - 1 and since < self._version:
                raise ResourceVersionGone(
                    f"resourceVersion {resource_version} is older than the kept history; list again"
                )
            backlog = [event for version, event in self._history if version > since]
        policy = None if limit is None else _gone_after(limit)
        with self._changes.subscribe(wanted, policy) as changes:
            if on_ready is not None:
                on_ready()
            for count, event in enumerate(backlog, 1):
                if wanted(event):
                    yield event
                if count % YIELD_EVERY == 0:  # a big store's listing must not hold the loop
                    await asyncio.sleep(0)
            del backlog
            async for event in changes:
                yield event


def _gone_after(limit: int) -> OverflowPolicy[WatchEvent]:
    return GoneOnOverflow(lambda: ResourceVersionGone("the watch fell too far behind; list again"), limit)
