"""Values that are known only while the app runs: parameters, endpoint parts, expressions.

A *value provider* is anything whose string value the app host resolves just before a resource
starts (an allocated port, a parameter read from configuration). Builder methods accept plain
strings and value providers alike and only record them; resolution happens in the executor, which
passes a :class:`ValueContext` so the model itself never does I/O.

The same provider has a second form for publishing: ``render(ctx)`` with a :class:`RenderContext`
returns the manifest expression that stands for it (nothing is started or awaited).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from pyspire.model.endpoints import EndpointRenderer, EndpointResolver
from pyspire.model.errors import RenderError
from pyspire.model.outputs import OutputReference, OutputResolver

if TYPE_CHECKING:
    from pyspire.model.execution import ExecutionContext
    from pyspire.model.resource import Resource


class ValueContext(EndpointResolver, OutputResolver, Protocol):
    """What a value provider may ask of the app host while it resolves (run mode).

    ``consumer`` is the resource whose environment or arguments are being resolved: the same
    endpoint resolves differently for a host process than for a container.
    """

    @property
    def consumer(self) -> Resource: ...

    async def configured_value(self, resource: Resource) -> str:
        """A parameter's or connection string's value, waiting while it is missing."""
        ...

    async def output(self, ref: OutputReference) -> str:
        """A resource's run-time output, waiting until its handler sets it."""
        ...


class RenderContext(EndpointRenderer, Protocol):
    """What a value provider may ask of a publisher while it renders (publish mode).

    Nothing runs and no port exists: each answer is a manifest expression (a Compose ``${VAR}``,
    a Helm ``{{ .Values.x }}``) the publisher chooses, so the same model renders to any format.
    """

    @property
    def consumer(self) -> Resource: ...

    @property
    def execution(self) -> ExecutionContext:
        """The mode callbacks see while this context renders (publish)."""
        ...

    def literal(self, text: str) -> str:
        """``text`` escaped for the manifest (``$`` → ``$$`` in Compose)."""
        ...

    def configured_value(self, resource: Resource) -> str:
        """The manifest expression a parameter or connection string renders to."""
        ...

    def output(self, ref: OutputReference) -> str:
        """The manifest expression a resource's run-time output renders to."""
        ...


@runtime_checkable
class ValueProvider(Protocol):
    """Something whose string value is resolved at run time.

    A provider may also have ``render(ctx: RenderContext) -> str`` (see :class:`RenderableValue`),
    its manifest form; every built-in one has. Without it the provider cannot be published, and
    rendering says so naming it, but it runs as before.
    """

    @property
    def is_secret(self) -> bool:
        """Whether the resolved value must be masked in snapshots and kept out of all output."""
        ...

    def describe(self) -> str:
        """A short description for messages ("endpoint api/http port"), never the value itself."""
        ...

    async def resolve(self, ctx: ValueContext) -> str:
        """Produce the value for ``ctx.consumer``."""
        ...


@runtime_checkable
class RenderableValue(Protocol):
    """The optional second form of a value provider: its manifest expression."""

    def render(self, ctx: RenderContext) -> str:
        """The manifest expression that stands for the value for ``ctx.consumer``."""
        ...


#: What builder methods accept wherever a value is expected.
Value = str | int | float | ValueProvider


class ValueSource(Protocol):
    """Anything (a resource builder, say) that stands for a value provider."""

    @property
    def value_provider(self) -> ValueProvider: ...


#: What to pass instead of something that is not a value.
VALUE_KINDS = (
    "pass a string, a number, a parameter, a connection string, an endpoint reference or part, "
    "or a ReferenceExpression"
)


def to_value(value: object) -> str | ValueProvider | None:
    """Normalise a user-supplied value: strings stay, numbers become strings, builders unwrap;
    ``None`` when the value has no meaning as one (``None`` itself, a dict, a list)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, ValueProvider):
        return value
    provider = getattr(value, "value_provider", None)
    if isinstance(provider, ValueProvider):
        return provider
    return None


def as_value(value: object, *, what: str) -> str | ValueProvider:
    """:func:`to_value`, raising ``TypeError`` naming ``what`` (e.g. "with_env('PORT')") when the
    value has no meaning. Builders record a problem instead; this is for values produced at run
    time (callbacks) and for expressions, which belong to no resource."""
    normalised = to_value(value)
    if normalised is None:
        raise TypeError(f"{what}: {type(value).__name__} is not a value; {VALUE_KINDS}")
    return normalised


async def resolve_value(value: str | ValueProvider, ctx: ValueContext) -> str:
    """Resolve a normalised value (see :func:`as_value`)."""
    if isinstance(value, str):
        return value
    return await value.resolve(ctx)


def render_value(value: str | ValueProvider, ctx: RenderContext) -> str:
    """Render a normalised value: literals escaped by ``ctx``, providers through ``render``.

    Raises :class:`RenderError` naming a provider that has no manifest form."""
    if isinstance(value, str):
        return ctx.literal(value)
    if isinstance(value, RenderableValue):
        return value.render(ctx)
    raise RenderError(
        f"resource '{ctx.consumer.name}': {value.describe()} ({type(value).__name__}) has no manifest form; "
        "give it a render(ctx) method to publish the app"
    )


def value_is_secret(value: str | ValueProvider) -> bool:
    """Whether a normalised value is secret (literals never are)."""
    return not isinstance(value, str) and value.is_secret


_PLACEHOLDER = re.compile(r"\{(\d*)\}")


@dataclass(frozen=True)
class ReferenceExpression:
    """Literal text joined with value providers, resolved as one string.

    Build one with :func:`expr` (parts in order) or :meth:`format` (``{}`` placeholders)::

        url = expr("redis://", cache_ep.host, ":", cache_ep.port)
        conn = ReferenceExpression.format("Host={};Port={}", ep.host, ep.port)

    The expression is secret when any part is, so a password inside a connection string is masked.
    """

    parts: tuple[str | ValueProvider, ...]

    @classmethod
    def format(cls, template: str, *values: object) -> ReferenceExpression:
        """Fill ``{}`` / ``{0}`` placeholders in ``template`` with ``values`` (``{{``/``}}`` escape)."""
        parts: list[str | ValueProvider] = []
        auto_index = 0
        position = 0
        text = template.replace("{{", "\0").replace("}}", "\1")
        for match in _PLACEHOLDER.finditer(text):
            parts.append(text[position : match.start()])
            if match.group(1):
                index = int(match.group(1))
            else:
                index = auto_index
                auto_index += 1
            if index >= len(values):
                raise IndexError(
                    f"ReferenceExpression.format: placeholder {match.group(0)} in {template!r} has no value"
                )
            parts.append(as_value(values[index], what=f"ReferenceExpression.format({template!r})"))
            position = match.end()
        parts.append(text[position:])
        unescaped = [p.replace("\0", "{").replace("\1", "}") if isinstance(p, str) else p for p in parts]
        return cls(tuple(p for p in unescaped if p != ""))

    @property
    def is_secret(self) -> bool:
        return any(value_is_secret(p) for p in self.parts)

    @property
    def value_providers(self) -> Sequence[ValueProvider]:
        return [p for p in self.parts if not isinstance(p, str)]

    def describe(self) -> str:
        return "".join(p if isinstance(p, str) else "{" + p.describe() + "}" for p in self.parts)

    async def resolve(self, ctx: ValueContext) -> str:
        return "".join([await resolve_value(p, ctx) for p in self.parts])

    def render(self, ctx: RenderContext) -> str:
        return "".join(render_value(p, ctx) for p in self.parts)

    def __str__(self) -> str:
        return self.describe()


def expr(*parts: object) -> ReferenceExpression:
    """Join literal strings and value providers, in order, into a :class:`ReferenceExpression`."""
    return ReferenceExpression(tuple(as_value(p, what="expr()") for p in parts))
