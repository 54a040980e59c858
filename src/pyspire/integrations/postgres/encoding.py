"""libpq's quoting of a ``key=value`` word, as an encoder for ``EncodedValue``: a password chosen
by the user may hold a space or a quote, which would break ``password=pw`` unquoted. (Inside a
URI the parts are percent-encoded with ``url_encoded`` from the extension API.)
"""

from __future__ import annotations

from pyspire.extensions import EncodedValue, ValueProvider


def libpq_word(text: str) -> str:
    """``text`` as a value of a libpq connection string: bare when it can be, else single-quoted
    with ``\\`` and ``'`` escaped (https://www.postgresql.org/docs/current/libpq-connect.html)."""
    if text and not any(c.isspace() or c in "'\\" for c in text):
        return text
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def libpq_quoted(value: str | ValueProvider) -> EncodedValue:
    """``value`` quoted as a libpq connection-string word when it is resolved."""
    return EncodedValue(value, libpq_word, "libpq-quoted")
