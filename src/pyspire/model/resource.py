"""The base of every resource: a name plus the annotations its builder recorded.

A leaf of the model (it needs only annotations and call sites), so annotations, endpoints and
values can name ``Resource`` without importing the concrete kinds in :mod:`pyspire.model.resources`.
"""

from __future__ import annotations

from typing import ClassVar, TypeVar

from pyspire.model.annotation import Annotation
from pyspire.model.call_site import CallSite, user_call_site
from pyspire.model.endpoint_annotation import EndpointAnnotation

A = TypeVar("A", bound=Annotation)


class Resource:
    """A named part of the app: a name plus the annotations its builder recorded.

    Compared by identity: two resources with the same name are a validation error, not equal.
    """

    resource_type: ClassVar[str] = "Resource"

    def __init__(self, name: str) -> None:
        self.name = name
        self.annotations: list[Annotation] = []
        #: Where the user's code created the resource, and recorded each annotation (by id).
        self.defined_at = user_call_site()
        self._origins: dict[int, CallSite] = {}

    def record(self, annotation: Annotation) -> None:
        """Append ``annotation``, remembering the user's line that asked for it."""
        self.annotations.append(annotation)
        site = user_call_site()
        if site is not None:
            self._origins[id(annotation)] = site

    def origin_of(self, annotation: Annotation | None = None) -> tuple[CallSite, ...]:
        """The user's line that recorded ``annotation`` (or created the resource, for ``None``)."""
        site = self.defined_at if annotation is None else self._origins.get(id(annotation))
        return (site,) if site is not None else ()

    def annotations_of(self, kind: type[A]) -> list[A]:
        """Every annotation of ``kind``, in the order recorded."""
        return [a for a in self.annotations if isinstance(a, kind)]

    def last_annotation(self, kind: type[A]) -> A | None:
        """The most recent annotation of ``kind``: later builder calls override earlier ones."""
        found = self.annotations_of(kind)
        return found[-1] if found else None

    @property
    def endpoints(self) -> list[EndpointAnnotation]:
        return self.annotations_of(EndpointAnnotation)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"
