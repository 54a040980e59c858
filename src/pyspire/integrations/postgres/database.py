"""The handler of a database resource: no process, only a ``CREATE DATABASE`` when missing.

The database waits for its server to be healthy (``add_database`` records the wait), so the
handler's first login normally succeeds; it then reports Running and Healthy, and whoever waits
for the database starts.
"""

from __future__ import annotations

from pyspire.extensions import HealthStatus, ResourceHandlerBase, ResourceState
from pyspire.integrations.postgres.client import ensure_database
from pyspire.integrations.postgres.health import MAINTENANCE_DATABASE
from pyspire.integrations.postgres.resources import PostgresDatabaseResource, libpq_connection


class PostgresDatabaseHandler(ResourceHandlerBase):
    """Creates its database on the server when missing; an existing one is kept as it is."""

    resource: PostgresDatabaseResource

    async def on_start(self) -> None:
        database, server = self.resource.database_name, self.resource.server
        conninfo = await self.ctx.resolve(libpq_connection(server, MAINTENANCE_DATABASE))
        created = await ensure_database(conninfo, database)
        self.ctx.log(f"created database {database!r}" if created else f"database {database!r} exists")
        self.ctx.publish(
            state=ResourceState.RUNNING,
            message=None,
            health=HealthStatus.HEALTHY,
            properties=(("database", database), ("server", server.name)),
        )
