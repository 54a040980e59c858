"""The PostgreSQL server (a container) and its databases (children with no process), and the
connection strings and properties a process referencing either receives.

Both forms psycopg takes are given: the libpq ``key=value`` string as ``ConnectionStrings__<name>``
(what Aspire's Npgsql-style consumers expect a connection string to be) and ``<NAME>_URI``; and
``<NAME>_SQLALCHEMY_URI`` with the driver in the scheme, ready for ``create_engine``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from pyspire.extensions import url_encoded, url_part
from pyspire.integrations.postgres.encoding import libpq_quoted, libpq_word
from pyspire.model import Resource
from pyspire.model.annotations import ConnectionStringAnnotation
from pyspire.model.containers import ContainerImageAnnotation
from pyspire.model.endpoints import EndpointReference
from pyspire.model.lifecycle import WaitAnnotation
from pyspire.model.resources import ContainerResource
from pyspire.model.values import ReferenceExpression, ValueProvider, expr

#: The port PostgreSQL listens on inside its container.
POSTGRES_PORT = 5432
ENDPOINT = "tcp"
DEFAULT_IMAGE = ContainerImageAnnotation("docker.io/library/postgres", "17")
DEFAULT_USER = "postgres"


class PostgresServerResource(ContainerResource):
    """A PostgreSQL server container; referencing it gives the server's connection (no database)."""

    resource_type: ClassVar[str] = "PostgresServer"

    def __init__(self, name: str, username: str | ValueProvider, password: ValueProvider) -> None:
        super().__init__(name, DEFAULT_IMAGE)
        self.username = username
        self.password = password

    @property
    def endpoint(self) -> EndpointReference:
        return EndpointReference(self, ENDPOINT)

    @property
    def connection_string(self) -> ValueProvider | None:
        """The libpq form; ``with_connection_string`` on the builder still replaces it."""
        found = self.last_annotation(ConnectionStringAnnotation)
        return found.value if found else libpq_connection(self, None)

    @property
    def connection_properties(self) -> Mapping[str, ValueProvider | str] | None:
        return connection_properties(self, None)


class PostgresDatabaseResource(Resource):
    """A database on a server: the app host creates it once the server is healthy, when missing."""

    resource_type: ClassVar[str] = "PostgresDatabase"

    def __init__(self, name: str, server: PostgresServerResource, database_name: str) -> None:
        super().__init__(name)
        self.server = server
        self.database_name = database_name

    @property
    def connection_string(self) -> ValueProvider:
        return libpq_connection(self.server, self.database_name)

    @property
    def connection_properties(self) -> Mapping[str, ValueProvider | str]:
        return connection_properties(self.server, self.database_name)

    @property
    def waits(self) -> list[WaitAnnotation]:
        return self.annotations_of(WaitAnnotation)


def libpq_connection(server: PostgresServerResource, database: str | None) -> ReferenceExpression:
    """``host=… port=… user=… password=… [dbname=…]``, each value quoted when it must be."""
    ep = server.endpoint
    parts: list[object] = ["host=", ep.host, " port=", ep.port, " user=", libpq_quoted(server.username)]
    parts += [" password=", libpq_quoted(server.password)]
    if database is not None:
        parts.append(f" dbname={libpq_word(database)}")
    return expr(*parts)


def connection_uri(server: PostgresServerResource, database: str | None, scheme: str) -> ReferenceExpression:
    """``<scheme>://user:password@host:port[/database]``, user, password and database percent-encoded."""
    ep = server.endpoint
    user, password = url_encoded(server.username), url_encoded(server.password)
    path = f"/{url_part(database)}" if database is not None else ""
    return expr(f"{scheme}://", user, ":", password, "@", ep.host, ":", ep.port, path)


def connection_properties(server: PostgresServerResource, database: str | None) -> dict[str, ValueProvider | str]:
    """``HOST``, ``PORT``, ``USERNAME``, ``PASSWORD``, [``DATABASE``,] ``URI``, ``SQLALCHEMY_URI``."""
    ep = server.endpoint
    properties: dict[str, ValueProvider | str] = {
        "HOST": ep.host,
        "PORT": ep.port,
        "USERNAME": server.username,
        "PASSWORD": server.password,
    }
    if database is not None:
        properties["DATABASE"] = database
    properties["URI"] = connection_uri(server, database, "postgresql")
    properties["SQLALCHEMY_URI"] = connection_uri(server, database, "postgresql+psycopg")
    return properties
