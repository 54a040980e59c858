"""The server's health check: healthy once a real login succeeds, not when a port opens."""

from __future__ import annotations

from pyspire.extensions import HealthCheckContext
from pyspire.integrations.postgres.client import login_problem
from pyspire.integrations.postgres.resources import PostgresServerResource, libpq_connection

MAINTENANCE_DATABASE = "postgres"


async def accepts_login(ctx: HealthCheckContext) -> str | None:
    """Log in as the server's user with its password and run ``SELECT 1``. The connection string
    resolves through ``ctx``, which masks the password in whatever the check reports."""
    server = ctx.resource
    assert isinstance(server, PostgresServerResource)
    conninfo = await ctx.resolve(libpq_connection(server, MAINTENANCE_DATABASE))
    problem = await login_problem(conninfo)
    if problem is not None and "password authentication failed" in problem:
        # The usual cause: the data folder (a volume) was initialised with another password.
        return (
            f"{problem}; a data volume keeps the password it was first initialised with: supply "
            f"that one as {server.password.describe()}, or remove the volume to start afresh"
        )
    return problem
