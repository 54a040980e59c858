"""A value provider that encodes another value for where it goes: percent-encoded inside a URI,
quoted as a libpq ``key=value`` word.

``expr`` joins values as they are; a password chosen by the user may hold ``@``, ``/``, a space
or a quote, which would break ``postgresql://user:pw@host`` or ``password=pw`` without this.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

from pyspire.model.values import RenderContext, ValueContext, ValueProvider, render_value, resolve_value

Encoding = Literal["uri", "libpq"]


def libpq_word(text: str) -> str:
    """``text`` as a value of a libpq connection string: bare when it can be, else single-quoted
    with ``\\`` and ``'`` escaped (https://www.postgresql.org/docs/current/libpq-connect.html)."""
    if text and not any(c.isspace() or c in "'\\" for c in text):
        return text
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def uri_part(text: str) -> str:
    """``text`` percent-encoded for the user, password or path of a URI (nothing left unsafe)."""
    return quote(text, safe="")


_ENCODERS = {"uri": uri_part, "libpq": libpq_word}


@dataclass(frozen=True)
class Encoded:
    """``value`` resolved, then encoded as ``encoding`` says. Secret when ``value`` is."""

    value: str | ValueProvider
    encoding: Encoding

    @property
    def is_secret(self) -> bool:
        return not isinstance(self.value, str) and self.value.is_secret

    def describe(self) -> str:
        inner = self.value if isinstance(self.value, str) else self.value.describe()
        return f"{inner} ({self.encoding}-encoded)"

    async def resolve(self, ctx: ValueContext) -> str:
        return _ENCODERS[self.encoding](await resolve_value(self.value, ctx))

    def render(self, ctx: RenderContext) -> str:
        """A manifest has no way to encode a value it substitutes later: the value renders as
        it is. The generated password is letters and digits only, which need no encoding."""
        if isinstance(self.value, str):
            return ctx.literal(_ENCODERS[self.encoding](self.value))
        return render_value(self.value, ctx)
