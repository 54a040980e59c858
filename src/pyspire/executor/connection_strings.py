"""Connection properties (``{NAME}_HOST``, ``_PORT``, …) derived from a connection string.

Aspire gives referencing resources these next to ``ConnectionStrings__{name}`` where they apply.
For a plain connection string pyspire derives them from the value: a URI
(``postgres://user:pw@host:5432/db``) yields all of them, a ``Key=Value;`` string yields the keys
it has (Host/Server, Port, Username/User Id, Password, Database).
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

_KEYS = {
    "host": "HOST",
    "server": "HOST",
    "data source": "HOST",
    "port": "PORT",
    "username": "USERNAME",
    "user": "USERNAME",
    "user id": "USERNAME",
    "uid": "USERNAME",
    "password": "PASSWORD",
    "pwd": "PASSWORD",
    "database": "DATABASE",
    "initial catalog": "DATABASE",
}

#: Properties that carry a credential and are masked like the connection string itself.
SECRET_PROPERTIES = frozenset({"PASSWORD", "URI"})


def connection_properties(value: str) -> dict[str, str]:
    """The properties a connection string provides, keyed HOST/PORT/USERNAME/PASSWORD/URI/DATABASE."""
    value = value.strip()
    if "://" in value:
        return _from_uri(value)
    if "=" in value:
        return _from_pairs(value)
    return {}


def _from_uri(value: str) -> dict[str, str]:
    parts = urlsplit(value)
    props = {"URI": value}
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.hostname:
        props["HOST"] = parts.hostname
    if port is not None:
        props["PORT"] = str(port)
    if parts.username:
        props["USERNAME"] = unquote(parts.username)
    if parts.password:
        props["PASSWORD"] = unquote(parts.password)
    database = parts.path.lstrip("/")
    if database:
        props["DATABASE"] = unquote(database)
    return props


def _from_pairs(value: str) -> dict[str, str]:
    props: dict[str, str] = {}
    for pair in value.split(";"):
        key, sep, raw = pair.partition("=")
        name = _KEYS.get(key.strip().lower())
        if not sep or name is None:
            continue
        text = raw.strip()
        if name == "HOST" and "," in text:  # SQL Server style "host,port"
            text, _, port = text.partition(",")
            props.setdefault("PORT", port.strip())
        elif name == "HOST" and text.count(":") == 1 and "PORT" not in props:
            text, _, port = text.partition(":")
            props["PORT"] = port
        props[name] = text
    return props
