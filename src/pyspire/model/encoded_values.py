"""A value provider that encodes another value for the place it goes.

``expr`` joins values as they are. A password chosen by the user may hold ``@``, ``/``, ``:`` or a
space, which would end the user-info of ``redis://:pw@host`` or ``postgresql://user:pw@host``
early; integrations wrap such a part in :func:`url_encoded` (or an :class:`EncodedValue` with an
encoder of their own, such as libpq's quoting) so the connection string stays well-formed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from pyspire.model.values import RenderContext, ValueContext, ValueProvider, render_value, resolve_value


@dataclass(frozen=True)
class EncodedValue:
    """``value`` resolved, then passed through ``encode``; secret when ``value`` is."""

    value: str | ValueProvider
    encode: Callable[[str], str]
    #: How it shows in descriptions: ``"<value> (<how>)"``.
    how: str = "encoded"

    @property
    def is_secret(self) -> bool:
        return not isinstance(self.value, str) and self.value.is_secret

    def describe(self) -> str:
        inner = self.value if isinstance(self.value, str) else self.value.describe()
        return f"{inner} ({self.how})"

    async def resolve(self, ctx: ValueContext) -> str:
        return self.encode(await resolve_value(self.value, ctx))

    def render(self, ctx: RenderContext) -> str:
        """A manifest cannot encode a value it substitutes later: a provider renders as it is
        (a generated password, letters and digits only, needs no encoding); a literal is encoded."""
        if isinstance(self.value, str):
            return ctx.literal(self.encode(self.value))
        return render_value(self.value, ctx)


def url_part(text: str) -> str:
    """``text`` percent-encoded for the user, password or path of a URL (nothing left unsafe)."""
    return quote(text, safe="")


def url_encoded(value: str | ValueProvider) -> EncodedValue:
    """``value`` percent-encoded for the user-info or path of a URL."""
    return EncodedValue(value, url_part, "URL-encoded")
