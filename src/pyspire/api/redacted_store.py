"""The object store as API clients see it: every object with its secrets masked.

The controllers need the real values (a process is started with its real password), so the store
holds them; everything the object API serves — gets, lists, watches, the answers to patches and
deletes, and so every ``kubectl get -o yaml`` and ``describe`` — goes through this view instead.
Values that are secrets (an env value, an argument) are masked whole; any other text of ``spec``
and ``status`` (a connection URL built from a password, an error message quoting it) is searched
for secrets. Identity (``metadata.name``, labels) is left alone: masking a name would make the
object unreachable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, Protocol

from pyspire.orchestrator.redaction import Redactor
from pyspire.orchestrator.store import Obj, ObjectStore, WatchEvent


class ClientStore(Protocol):
    """What the object API needs of a store."""

    @property
    def resource_version(self) -> str: ...

    def exists(self, kind: str, name: str) -> bool: ...

    def find(self, kind: str, name: str) -> Obj | None: ...

    def list(self, kind: str) -> list[Obj]: ...

    def patch(
        self, kind: str, name: str, patch: Mapping[str, Any], resource_version: str | None = None
    ) -> Obj: ...

    def delete(self, kind: str, name: str) -> Obj | None: ...

    def watch(
        self, kind: str | None = None, resource_version: str | None = None, *, limit: int | None = None
    ) -> AsyncIterator[WatchEvent]: ...


class RedactedStore:
    """A :class:`ClientStore` over ``store`` that masks what it returns with ``redactor``."""

    def __init__(self, store: ObjectStore, redactor: Redactor) -> None:
        self._store = store
        self._redactor = redactor

    @property
    def resource_version(self) -> str:
        return self._store.resource_version

    def exists(self, kind: str, name: str) -> bool:
        return self._store.exists(kind, name)

    def find(self, kind: str, name: str) -> Obj | None:
        found = self._store.find(kind, name)
        return None if found is None else self.masked(found)

    def list(self, kind: str) -> list[Obj]:
        return [self.masked(obj) for obj in self._store.list(kind)]

    def patch(
        self, kind: str, name: str, patch: Mapping[str, Any], resource_version: str | None = None
    ) -> Obj:
        return self.masked(self._store.patch(kind, name, patch, resource_version=resource_version))

    def delete(self, kind: str, name: str) -> Obj | None:
        deleted = self._store.delete(kind, name)
        return None if deleted is None else self.masked(deleted)

    async def watch(
        self, kind: str | None = None, resource_version: str | None = None, *, limit: int | None = None
    ) -> AsyncIterator[WatchEvent]:
        async for event in self._store.watch(kind, resource_version, limit=limit):
            # The event's object is shared between watchers: mask a copy.
            yield WatchEvent(event.type, self.masked(event.object))

    def masked(self, obj: Obj) -> Obj:
        """A copy of ``obj`` with its secrets masked (``obj`` itself when there are none)."""
        if not self._redactor.has_secrets:
            return obj
        result = dict(obj)
        result["spec"] = self._mask_tree(obj.get("spec"))
        result["status"] = self._mask_tree(obj.get("status"))
        metadata = dict(obj.get("metadata") or {})
        if metadata.get("annotations"):
            metadata["annotations"] = self._mask_tree(metadata["annotations"])
        result["metadata"] = metadata
        return result

    def _mask_tree(self, value: Any, whole: bool = False) -> Any:
        """Mask strings below ``value``; ``whole``: strings here are values that may *be* secrets."""
        if isinstance(value, str):
            return self._redactor.mask_value(value) if whole else self._redactor.mask(value)
        if isinstance(value, list):
            return [self._mask_tree(item, whole) for item in value]
        if isinstance(value, dict):
            return {key: self._mask_tree(item, whole or key in _VALUE_KEYS) for key, item in value.items()}
        return value


#: Keys whose strings are values handed to a process or a build (env values, arguments, build
#: args): any of them may be exactly a secret, however short.
_VALUE_KEYS = frozenset({"value", "args"})
