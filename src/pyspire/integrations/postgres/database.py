"""A database resource: no process, a ``CREATE DATABASE`` when missing, and a health check that
logs in to the database, so its health follows the server's.

The database waits for its server to be healthy (``add_database`` records the wait), so the
handler's ``CREATE DATABASE`` normally succeeds at once; it then reports Running, and the app
host's health monitor runs the login check (``add_database`` records it, with the intervals
below): Healthy, and whoever waits for the database starts. While the server is stopped or
restarting, the login fails and the database is Unhealthy; what ``wait_for``s it then waits again.

The check, not the handler, creates the database again when the server comes back without it
(a server with no data volume starts empty): the check is what notices the database is gone —
a failed login — and notices it however it went (a restart, or someone's ``DROP DATABASE``),
without the handler having to watch its server's snapshots.
"""

from __future__ import annotations

from pyspire.extensions import HealthCheckContext, PermanentError, ResourceHandlerBase, ResourceState
from pyspire.integrations.postgres.client import ensure_database, login_problem
from pyspire.integrations.postgres.health import MAINTENANCE_DATABASE
from pyspire.integrations.postgres.resources import PostgresDatabaseResource, libpq_connection

#: Seconds between logins while the database answers, and while it does not (read by
#: ``add_database`` when it records the check).
HEALTHY_INTERVAL = 5.0
UNHEALTHY_INTERVAL = 0.5
CHECK = "login"


class PostgresDatabaseHandler(ResourceHandlerBase):
    """Creates its database on the server when missing (an existing one is kept as it is); its
    health is the login check ``add_database`` records."""

    resource: PostgresDatabaseResource

    async def on_start(self) -> None:
        database, server = self.resource.database_name, self.resource.server
        created = await ensure_database(await self.ctx.resolve(libpq_connection(server, MAINTENANCE_DATABASE)), database)
        self.ctx.log(f"created database {database!r}" if created else f"database {database!r} exists")
        self.ctx.publish(
            message=None, state=ResourceState.RUNNING, properties=(("database", database), ("server", server.name))
        )


async def accepts_database_login(ctx: HealthCheckContext) -> str | None:
    """Log in to the database and run ``SELECT 1``; when that fails because the server lost the
    database, create it again (and say so in the database's log at once, so the line is there
    even should the second login outlast the check's timeout). libpq reports a missing database
    as any failed connection, with no SQLSTATE: the maintenance database is asked."""
    resource = ctx.resource
    assert isinstance(resource, PostgresDatabaseResource)
    database, server = resource.database_name, resource.server
    conninfo = await ctx.resolve(libpq_connection(server, database))
    problem = await login_problem(conninfo)
    if problem is None:
        return None
    try:
        created = await ensure_database(await ctx.resolve(libpq_connection(server, MAINTENANCE_DATABASE)), database)
    except PermanentError:
        return problem  # the server itself is not there
    if not created:
        return problem
    ctx.log(f"created database {database!r} again: the server came back without it (no data volume?)")
    return await login_problem(conninfo)
