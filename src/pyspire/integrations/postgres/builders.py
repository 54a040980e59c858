"""The builders ``add_postgres`` and ``add_database`` return."""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pyspire.extensions import LifecycleBuilder
from pyspire.integrations.postgres import database as database_module
from pyspire.integrations.postgres.resources import PostgresDatabaseResource, PostgresServerResource
from pyspire.model.arguments import Arg
from pyspire.model.builder import ContainerBuilder
from pyspire.model.values import ValueProvider

DATA_DIR = "/var/lib/postgresql/data"
INIT_DIR = "/docker-entrypoint-initdb.d"
#: PostgreSQL's limit on an identifier (NAMEDATALEN - 1), in bytes.
MAX_IDENTIFIER_BYTES = 63


class PostgresServerBuilder(ContainerBuilder):
    """A PostgreSQL server: everything a container builder has, plus data, init files, databases."""

    @property
    def server(self) -> PostgresServerResource:
        assert isinstance(self.resource, PostgresServerResource)
        return self.resource

    @property
    def password(self) -> ValueProvider:
        """The server's password (the generated ``<name>-password`` parameter unless one was given)."""
        return self.server.password

    def with_data_volume(self, name: str | None = None) -> Self:
        """Keep the data in the named volume ``name`` (default: one named after the app's folder
        and this resource, the same on every run), so it outlives the container and the run.
        The password stays the one the data was created with: the generated one is kept in
        ``.pyspire/settings.json``."""
        if self._rejects("with_data_volume", Arg("name", name, "text", "with_data_volume('orders-data')", optional=True)):
            return self
        return self.with_volume(name or self.stable_volume_name("data"), DATA_DIR)

    def with_init_files(self, source: str | Path) -> Self:
        """Run the ``*.sql``, ``*.sql.gz`` and ``*.sh`` files of the folder ``source`` (relative to
        the app host) once, in name order, when the server initialises an empty data folder."""
        if self._rejects("with_init_files", Arg("", source, "path", "with_init_files('./db/init')")):
            return self
        return self.with_bind_mount(source, INIT_DIR, read_only=True)

    def add_database(self, name: str, database_name: str | None = None) -> PostgresDatabaseBuilder:
        """A database on this server, a child resource named ``name`` (the database itself is
        ``database_name``, default ``name``): created once the server is healthy, when missing
        (and again should the server come back without it); healthy while it accepts a login.
        ``with_reference`` of it gives the connection to that database."""
        example = "add_database('orders', database_name='orders')"
        database = database_name if isinstance(database_name, str) else name if isinstance(name, str) else ""
        resource = PostgresDatabaseResource(name if isinstance(name, str) else repr(name), self.server, database)
        builder = PostgresDatabaseBuilder(self.app, resource)
        if not builder._rejects(
            "add_database",
            Arg("name", name, "text", example),
            Arg("database_name", database_name, "text", example, optional=True),
            defines_resource=True,
        ):
            problem = identifier_problem(database)
            if problem is not None:
                builder._reject("add_database database_name", problem, defines_resource=True)
        self.app.resources.append(resource)
        # Read at each call (not imported by name), so a test may shorten the intervals.
        return (
            builder.with_parent(self)
            .wait_for(self)
            .with_health_check(database_module.accepts_database_login, name=database_module.CHECK)
            .with_health_check_interval(healthy=database_module.HEALTHY_INTERVAL, unhealthy=database_module.UNHEALTHY_INTERVAL)
        )


class PostgresDatabaseBuilder(LifecycleBuilder[PostgresDatabaseResource]):
    """A database: ``with_reference`` it, ``wait_for`` it (it is healthy once it exists)."""

    @property
    def connection_string(self) -> ValueProvider:
        return self.resource.connection_string


def identifier_problem(database: str) -> str | None:
    """Why ``database`` cannot name a PostgreSQL database, or ``None``."""
    if not database:
        return "the database name is empty; give one, e.g. add_database('orders')"
    if "\0" in database:
        return "the database name contains a NUL character; remove it"
    if len(database.encode()) > MAX_IDENTIFIER_BYTES:
        return f"the database name is longer than PostgreSQL's {MAX_IDENTIFIER_BYTES} bytes; shorten it"
    return None
