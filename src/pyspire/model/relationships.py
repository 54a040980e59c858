"""Relationships between resources and their visibility: parent/child, hidden resources.

Aspire's ``ResourceRelationshipAnnotation`` (type ``Parent`` for a child listed under its parent)
and ``IsHidden``. An integration that adds a resource for its own use (a database's admin UI, a
cluster's port-forward) makes it a child of the resource the user added, or hides it, so that
``pyspire describe`` and the console show the app the user wrote.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspire.model.annotation import Annotation
from pyspire.model.resource import Resource

#: The relationship type that makes a resource a child of its target.
PARENT = "Parent"


@dataclass(frozen=True)
class RelationshipAnnotation(Annotation):
    """``type`` relates the annotated resource to ``target`` (``Parent``: target is its parent)."""

    target: Resource
    type: str


@dataclass(frozen=True)
class HiddenAnnotation(Annotation):
    """The resource is internal: listed by the API (with the flag), not by the console or describe."""

    hidden: bool = True


def parent_of(resource: Resource) -> Resource | None:
    """The resource's parent (the last ``with_parent`` wins), or ``None``."""
    parents = [a.target for a in resource.annotations_of(RelationshipAnnotation) if a.type == PARENT]
    return parents[-1] if parents else None


def is_hidden(resource: Resource) -> bool:
    """Whether the resource is hidden (the last ``hidden()`` call wins)."""
    found = resource.last_annotation(HiddenAnnotation)
    return found.hidden if found else False
