"""The handler of a database resource: no process, a ``CREATE DATABASE`` when missing, and a
login to the database now and then, so its health follows the server's.

The database waits for its server to be healthy (``add_database`` records the wait), so the
handler's first login normally succeeds; it then reports Running and Healthy, and whoever waits
for the database starts. Its health afterwards is its own check (the executor's health monitor
runs only processes and containers): while the server is stopped or restarting, the database
is Unhealthy, and what ``wait_for``s it then waits again.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from pyspire.extensions import HealthReport, HealthStatus, ResourceHandlerBase, ResourceState
from pyspire.integrations.postgres.client import database_problem, ensure_database
from pyspire.integrations.postgres.health import MAINTENANCE_DATABASE
from pyspire.integrations.postgres.resources import PostgresDatabaseResource, libpq_connection

#: Seconds between logins while the database answers, and while it does not.
HEALTHY_INTERVAL = 5.0
UNHEALTHY_INTERVAL = 0.5
CHECK = "login"
#: A login (and ``SELECT 1``) that takes longer than this counts as failed.
CHECK_TIMEOUT = 5.0


class PostgresDatabaseHandler(ResourceHandlerBase):
    """Creates its database on the server when missing (an existing one is kept as it is) and
    follows whether it accepts a login."""

    resource: PostgresDatabaseResource
    _follower: asyncio.Task[None] | None = None

    async def on_start(self) -> None:
        database, server = self.resource.database_name, self.resource.server
        created = await ensure_database(await self.ctx.resolve(libpq_connection(server, MAINTENANCE_DATABASE)), database)
        self.ctx.log(f"created database {database!r}" if created else f"database {database!r} exists")
        self._publish_health(None, state=ResourceState.RUNNING, properties=(("database", database), ("server", server.name)))
        if self._follower is None or self._follower.done():
            self._follower = self.ctx.spawn(self._follow(), "health")

    async def on_stop(self) -> None:
        if self._follower is not None:
            self._follower.cancel()
            self._follower = None

    async def _follow(self) -> None:
        """Log in to the database every few seconds; create it again when the server lost it."""
        database, server = self.resource.database_name, self.resource.server
        conninfo = await self.ctx.resolve(libpq_connection(server, database))
        maintenance = await self.ctx.resolve(libpq_connection(server, MAINTENANCE_DATABASE))
        problem: str | None = None
        while True:
            await asyncio.sleep(HEALTHY_INTERVAL if problem is None else UNHEALTHY_INTERVAL)
            try:
                async with asyncio.timeout(CHECK_TIMEOUT):
                    now, created = await database_problem(conninfo, maintenance, database)
            except TimeoutError:
                now, created = f"no answer within {CHECK_TIMEOUT:g}s", False
            if created:
                self.ctx.log(f"created database {database!r} again: the server came back without it (no data volume?)")
            if now != problem:
                self._publish_health(now)
            problem = now

    def _publish_health(self, problem: str | None, **changes: Any) -> None:
        """The login check's result (with ``changes`` to the snapshot, in the same publish)."""
        status = HealthStatus.HEALTHY if problem is None else HealthStatus.UNHEALTHY
        checked = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        report = HealthReport(CHECK, status, problem, None, checked)
        self.ctx.publish(message=None, health=status, health_reports=(report,), **changes)
