"""The base of every builder: records annotations, and records a problem instead of a bad call.

A builder method never raises for a wrong argument: it records a :class:`RejectedCallAnnotation`
at the user's line and returns the builder, so the rest of ``apphost.py`` still runs and
``build()`` reports every problem of the model in one pass (nothing has started by then).
"""

from __future__ import annotations

from pathlib import Path
from typing import Generic, Protocol, Self, TypeVar

from pyspire.model.annotations import Annotation, RejectedCallAnnotation
from pyspire.model.arguments import Arg, shown
from pyspire.model.endpoints import EndpointReference
from pyspire.model.events import (
    BeforeResourceStart,
    E,
    EventCallback,
    EventSubscription,
    ResourceReady,
    ResourceStopped,
)
from pyspire.model.outputs import OutputReference
from pyspire.model.relationships import PARENT, HiddenAnnotation, RelationshipAnnotation
from pyspire.model.resources import Resource


class ModelCollector(Protocol):
    """What a builder needs of the app builder it belongs to (``AppModelBuilder`` is one).

    A protocol rather than the class, so that builders do not import the module that imports them."""

    @property
    def resources(self) -> list[Resource]: ...

    def resolve_path(self, path: str | Path) -> Path:
        """Relative paths in the model are relative to the app host's folder."""
        ...

    def add_resource(self, builder: ResourceBuilder[Resource]) -> None:
        """Add a resource built elsewhere (integrations use this with their own builders)."""
        ...

    def subscribe(
        self, event_type: type[E], callback: EventCallback[E], *, resource: object | None = None
    ) -> EventSubscription[E]:
        """Call ``callback`` with each event of ``event_type`` (about ``resource``, when given)."""
        ...

R = TypeVar("R", bound=Resource)

#: The builder method that creates a resource of each type, for messages that show the fix.
ADD_METHODS = {
    "Executable": "add_executable",
    "Container": "add_container",
    "Parameter": "add_parameter",
    "ConnectionString": "add_connection_string",
}


class ResourceBuilder(Generic[R]):
    """Records annotations on one resource. Every ``with_*`` method returns the builder."""

    def __init__(self, app: ModelCollector, resource: R) -> None:
        self.app = app
        self.resource = resource

    @property
    def name(self) -> str:
        return self.resource.name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.resource.name!r})"

    def with_parent(self, parent: object) -> Self:
        """Make this resource a child of ``parent`` (a builder or resource): ``pyspire describe``
        (and later the dashboard) lists it under its parent."""
        return self.with_relationship(parent, PARENT)

    def with_relationship(self, target: object, type: str) -> Self:
        """Relate this resource to ``target`` with a relationship named ``type`` (``Parent``, or
        one an integration defines); it appears among the snapshot's ``relationships``."""
        resource = target.resource if isinstance(target, ResourceBuilder) else target
        if not isinstance(resource, Resource):
            return self._reject(
                f"with_relationship({type!r})" if type != PARENT else "with_parent",
                f"{shown(target)} is not a resource; pass what a builder.add_... call returned",
            )
        if self._rejects("with_relationship", Arg("type", type, "text", "with_relationship(db, 'Parent')")):
            return self
        return self._record(RelationshipAnnotation(resource, type))

    def hidden(self, hidden: bool = True) -> Self:
        """Mark the resource internal: the console and ``pyspire describe`` leave it out (``describe
        --all`` shows it), the API lists it with ``hidden: true``."""
        if self._rejects("hidden", Arg("", hidden, "flag", "hidden(True)")):
            return self
        return self._record(HiddenAnnotation(hidden))
    def output(self, name: str, *, secret: bool = False) -> OutputReference:
        """The run-time output ``name`` this resource's handler publishes, as a value: a
        consumer waits for it (and says so) before it starts."""
        return OutputReference(self.resource, name, secret)

    def on_before_start(self, callback: EventCallback[BeforeResourceStart]) -> Self:
        """Await ``callback`` after this resource's waits, before its processes start."""
        self.app.subscribe(BeforeResourceStart, callback, resource=self.resource)
        return self

    def on_ready(self, callback: EventCallback[ResourceReady]) -> Self:
        """Call ``callback`` once each time this resource becomes Running and Healthy."""
        self.app.subscribe(ResourceReady, callback, resource=self.resource)
        return self

    def on_stopped(self, callback: EventCallback[ResourceStopped]) -> Self:
        """Call ``callback`` when this resource has ended (Exited, Finished, FailedToStart)."""
        self.app.subscribe(ResourceStopped, callback, resource=self.resource)
        return self

    def _record(self, annotation: Annotation) -> Self:
        self.resource.record(annotation)
        return self

    def _reject(self, field: str, message: str, defines_resource: bool = False) -> Self:
        """Record that the call for ``field`` was wrong, for ``build()`` to report."""
        return self._record(RejectedCallAnnotation(field, message, defines_resource))

    def _rejects(self, method: str, *args: Arg, defines_resource: bool = False) -> bool:
        """Record a problem for each argument of the wrong kind; ``True`` when there was one
        (the caller then records nothing else, so no ill-typed value reaches the model)."""
        rejected = False
        for arg in args:
            problem = arg.problem()
            if problem is not None:
                self._reject(f"{method} {arg.label}" if arg.label else method, problem, defines_resource)
                rejected = True
        return rejected

    def _target(self, method: str, target: object) -> tuple[Resource, str | None] | None:
        """The resource (and endpoint) a ``with_reference`` / ``wait_for`` call names, or ``None``
        after recording why ``target`` names none."""
        if isinstance(target, ResourceBuilder):
            return target.resource, None
        if isinstance(target, Resource):
            return target, None
        if isinstance(target, EndpointReference):
            return target.resource, target.endpoint_name
        if isinstance(target, str):
            named = next((r for r in self.app.resources if r.name == target), None)
            if named is not None:
                add = ADD_METHODS.get(named.resource_type, "add_...")
                variable = target.replace("-", "_") if target.replace("-", "_").isidentifier() else "it"
                fix = f"pass the builder {add}({target!r}) returned, e.g. {method}({variable})"
            else:
                fix = "pass the builder that add_... returned for it, not its name"
            self._reject(method, f"{target!r} is a name, not a resource; {fix}")
        else:
            self._reject(
                method, f"{shown(target)} is not a resource; pass what a builder.add_... call returned"
            )
        return None
