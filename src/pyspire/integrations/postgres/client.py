"""What the integration asks of a running server, through psycopg (imported only here, when a
check or a database needs it: the app host imports every integration at each start).

The server's own maintenance database ``postgres`` always exists, so the health check and the
database creation connect to it, whatever database the app uses.
"""

from __future__ import annotations

from pyspire.extensions import PermanentError
from pyspire.integrations.imports import import_off_loop

#: Seconds a login may take before the attempt counts as failed (libpq's minimum is 2).
CONNECT_TIMEOUT = 2


def first_line(exc: BaseException) -> str:
    """psycopg's messages repeat the server's ``DETAIL``/``HINT`` lines: the first says it all."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


async def _login(conninfo: str) -> None:
    import psycopg

    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
        await conn.execute("SELECT 1")


async def login_problem(conninfo: str) -> str | None:
    """``None`` when a session opens and answers ``SELECT 1``; else what went wrong, in a line.
    A port that accepts TCP (the proxy does, at once) is not yet a server that accepts a login."""
    await import_off_loop("psycopg")
    import psycopg

    try:
        await _login(conninfo)
    except psycopg.Error as exc:
        return f"no login yet: {first_line(exc)}"
    return None


async def ensure_database(conninfo: str, database: str) -> bool:
    """Create ``database`` unless it exists; ``True`` when it was created. ``CREATE DATABASE``
    cannot run inside a transaction (hence autocommit) nor take a parameter (hence a quoted
    identifier: any name is safe). Another client creating it meanwhile is fine."""
    await import_off_loop("psycopg")
    import psycopg
    from psycopg import errors, sql

    try:
        async with await psycopg.AsyncConnection.connect(
            conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT
        ) as conn:
            found = await conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
            if await found.fetchone() is not None:
                return False
            try:
                await conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
            except errors.DuplicateDatabase:
                return False
            return True
    except psycopg.Error as exc:
        raise PermanentError(f"cannot create database {database!r}: {first_line(exc)}") from None
