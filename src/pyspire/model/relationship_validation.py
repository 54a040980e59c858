"""Validation of parent/child relationships: a parent is in the model and no resource is its
own ancestor."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pyspire.model.errors import ModelProblem
from pyspire.model.relationships import PARENT, RelationshipAnnotation, parent_of
from pyspire.model.resource import Resource


def relationship_problems(resources: Sequence[Resource]) -> Iterator[ModelProblem]:
    members = {id(r) for r in resources}
    for resource in resources:
        for annotation in resource.annotations_of(RelationshipAnnotation):
            target = annotation.target
            field = f"with_parent({target.name!r})" if annotation.type == PARENT else f"relationship {annotation.type}"
            at = resource.origin_of(annotation)
            if target is resource:
                yield ModelProblem(resource.name, field, "a resource cannot be its own parent", at)
            elif id(target) not in members:
                yield ModelProblem(
                    resource.name, field, f"'{target.name}' is not in this app model; add it with this builder", at
                )
    yield from _parent_cycles(resources, members)


def _parent_cycles(resources: Sequence[Resource], members: set[int]) -> Iterator[ModelProblem]:
    """Each cycle once, named from the resource that appears first in the model."""
    reported: set[int] = set()
    for resource in resources:
        chain = [resource]
        current = parent_of(resource)
        while current is not None and current is not resource and id(current) in members:
            if any(current is seen for seen in chain):
                break  # a cycle further up: reported from one of its members
            chain.append(current)
            current = parent_of(current)
        if current is resource and len(chain) > 1 and not reported & {id(r) for r in chain}:
            reported.update(id(r) for r in chain)
            names = " → ".join(r.name for r in [*chain, resource])
            annotation = resource.annotations_of(RelationshipAnnotation)[-1]
            yield ModelProblem(
                resource.name,
                f"with_parent({chain[1].name!r})",
                f"parents form a cycle ({names}); a resource cannot be its own ancestor: remove one with_parent",
                resource.origin_of(annotation),
            )
