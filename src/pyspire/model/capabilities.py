"""Capabilities as protocols: what a resource can offer or accept, whatever its class.

Aspire's ``IResourceWithConnectionString``, ``IResourceWithEndpoints``, ``IResourceWithEnvironment``
and ``IResourceWithWaitSupport``. Code that uses a resource (``with_reference``, the executor, a
publisher) asks for the capability, never for a class, so an integration's own resource class
(a Redis container, a cloud database with no process at all) works by having the members.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pyspire.model.annotation import Annotation
from pyspire.model.endpoint_annotation import EndpointAnnotation
from pyspire.model.values import ValueProvider

if TYPE_CHECKING:
    from pyspire.model.annotations import ReferenceAnnotation
    from pyspire.model.lifecycle import WaitAnnotation
    from pyspire.model.runnable_builder import RunnableBuilder


@runtime_checkable
class ResourceWithConnectionString(Protocol):
    """A resource others reach through a connection string: ``with_reference(it)`` sets
    ``ConnectionStrings__{name}`` and the ``{NAME}_HOST``… properties derived from it."""

    @property
    def name(self) -> str: ...

    @property
    def connection_string(self) -> ValueProvider | None:
        """The connection string (usually an expression of the resource's endpoints and
        parameters), or ``None`` when this resource has none after all."""
        ...


@runtime_checkable
class ResourceWithConnectionProperties(Protocol):
    """A resource that names the parts of its connection string itself (an integration knows
    them; parsing the string would guess): ``with_reference(it)`` sets ``{NAME}_{KEY}`` for
    each, instead of the parts derived from the string."""

    @property
    def connection_properties(self) -> Mapping[str, ValueProvider | str] | None:
        """Part name (``HOST``, ``PORT``, ``USERNAME``, ``PASSWORD``, ``DATABASE``, ``URI``…)
        → its value; ``None`` to derive them from the connection string."""
        ...


@runtime_checkable
class ResourceWithEndpoints(Protocol):
    """A resource that serves ports: ``with_reference(it)`` sets ``services__…`` variables."""

    @property
    def name(self) -> str: ...

    @property
    def endpoints(self) -> list[EndpointAnnotation]: ...


@runtime_checkable
class ResourceWithEnvironment(Protocol):
    """A resource whose processes receive environment variables and arguments (``with_env``,
    ``with_args``, ``with_reference``), recorded as annotations in order."""

    @property
    def name(self) -> str: ...

    annotations: list[Annotation]

    @property
    def references(self) -> list[ReferenceAnnotation]: ...


@runtime_checkable
class ResourceWithWaitSupport(Protocol):
    """A resource that can wait for others before it starts (``wait_for``)."""

    @property
    def name(self) -> str: ...

    @property
    def waits(self) -> list[WaitAnnotation]: ...


@runtime_checkable
class ResourceWithReferenceHook(Protocol):
    """A resource that gives a consumer more than variables when referenced: ``with_reference(it)``
    calls ``referenced_by(consumer)`` with the consumer's builder, once, after recording the
    reference, so the resource adds what that consumer needs (a k3s cluster bind-mounts its
    container kubeconfig into a container and sets ``KUBECONFIG``; a process gets the host file)."""

    @property
    def name(self) -> str: ...

    def referenced_by(self, consumer: RunnableBuilder[Any]) -> None:
        """Record on ``consumer`` (with its builder methods, so its problems are reported the
        usual way) what referencing this resource gives it."""
        ...


# The helpers read the capability's member directly: an ``isinstance`` check against a
# runtime-checkable protocol inspects every member and costs as much as starting the replica's
# environment resolution itself (measured: it doubled ``resolve_launch``).


def connection_string_of(resource: object) -> ValueProvider | None:
    """The connection string ``resource`` offers (:class:`ResourceWithConnectionString`), or ``None``."""
    found: ValueProvider | None = getattr(resource, "connection_string", None)
    return found


def connection_properties_of(resource: object) -> Mapping[str, ValueProvider | str] | None:
    """The connection properties ``resource`` names (:class:`ResourceWithConnectionProperties`),
    or ``None`` when they are to be derived from its connection string."""
    found: Mapping[str, ValueProvider | str] | None = getattr(resource, "connection_properties", None)
    return found


def endpoints_of(resource: object) -> list[EndpointAnnotation]:
    """The endpoints ``resource`` serves (:class:`ResourceWithEndpoints`; none without it)."""
    found: list[EndpointAnnotation] | None = getattr(resource, "endpoints", None)
    return list(found) if found else []


def can_be_referenced(resource: object) -> bool:
    """Whether ``with_reference(resource)`` gives the consumer anything."""
    return (
        connection_string_of(resource) is not None
        or bool(endpoints_of(resource))
        or callable(getattr(resource, "referenced_by", None))
    )
