"""What a resource's snapshot says about its place in the model, derived from annotations alone:
its relationships (references, waits, parent and any an integration records) and whether it is
hidden. Pure functions, so the executor, a publisher or a test can ask without running anything."""

from __future__ import annotations

from pyspire.executor.snapshots import Relationship
from pyspire.model.annotations import ReferenceAnnotation
from pyspire.model.lifecycle import WaitAnnotation
from pyspire.model.relationships import RelationshipAnnotation
from pyspire.model.relationships import is_hidden as is_hidden
from pyspire.model.resource import Resource


def relationships_of(resource: Resource) -> tuple[Relationship, ...]:
    """``Reference`` for each ``with_reference``, ``WaitFor`` for each wait, then ``Parent`` and
    the other recorded relationships, in the order recorded."""
    return (
        tuple(Relationship(ref.target.name, "Reference") for ref in resource.annotations_of(ReferenceAnnotation))
        + tuple(Relationship(w.target.name, "WaitFor") for w in resource.annotations_of(WaitAnnotation))
        + tuple(Relationship(r.target.name, r.type) for r in resource.annotations_of(RelationshipAnnotation))
    )
