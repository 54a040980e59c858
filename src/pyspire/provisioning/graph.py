"""Dependency order among cloud resources: through :class:`OutputRef` parameters and explicit
``depends_on``. Validated once, when the controller is built."""

from __future__ import annotations

from collections.abc import Sequence

from pyspire.provisioning.errors import DependencyCycle, UnknownCloudResource
from pyspire.provisioning.spec import ResourceSpec


def dependency_order(specs: Sequence[ResourceSpec]) -> list[ResourceSpec]:
    """``specs`` with every resource after its prerequisites (declaration order otherwise)."""
    by_name = {s.name: s for s in specs}
    for s in specs:
        for p in s.prerequisites():
            if p not in by_name:
                raise UnknownCloudResource(f"{s.name} depends on {p}, which is not a cloud resource of this app")
    ordered: list[ResourceSpec] = []
    marks: dict[str, str] = {}

    def visit(s: ResourceSpec, path: tuple[str, ...]) -> None:
        if marks.get(s.name) == "done":
            return
        if marks.get(s.name) == "visiting":
            raise DependencyCycle("cloud resources depend on each other in a loop: " + " -> ".join((*path, s.name)))
        marks[s.name] = "visiting"
        for p in s.prerequisites():
            visit(by_name[p], (*path, s.name))
        marks[s.name] = "done"
        ordered.append(s)

    for s in specs:
        visit(s, ())
    return ordered


def dependents(specs: Sequence[ResourceSpec]) -> dict[str, tuple[str, ...]]:
    """For each resource, the resources that directly depend on it."""
    out: dict[str, list[str]] = {s.name: [] for s in specs}
    for s in specs:
        for p in s.prerequisites():
            out[p].append(s.name)
    return {k: tuple(v) for k, v in out.items()}
