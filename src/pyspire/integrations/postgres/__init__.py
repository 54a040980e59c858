"""PostgreSQL: a server container with a generated password and a health check that opens a
real connection, and databases as child resources that create themselves when missing.

``PostgresBuilderMethods`` gives the app's builder ``add_postgres``; the server's builder has
``add_database``, ``with_data_volume`` and ``with_init_files``. Importing this module registers
the database resource's handler; ``unregister_handlers()`` removes it again.
"""

from __future__ import annotations

from pyspire.extensions import resource_handlers
from pyspire.integrations.passwords import server_password
from pyspire.integrations.postgres.builders import PostgresDatabaseBuilder, PostgresServerBuilder
from pyspire.integrations.postgres.database import PostgresDatabaseHandler
from pyspire.integrations.postgres.health import accepts_login
from pyspire.integrations.postgres.resources import (
    DEFAULT_USER,
    ENDPOINT,
    POSTGRES_PORT,
    PostgresDatabaseResource,
    PostgresServerResource,
)
from pyspire.model.arguments import Arg, shown
from pyspire.model.builder import AppModelBuilder
from pyspire.model.values import to_value

__all__ = [
    "PostgresBuilderMethods",
    "PostgresDatabaseBuilder",
    "PostgresDatabaseHandler",
    "PostgresDatabaseResource",
    "PostgresServerBuilder",
    "PostgresServerResource",
    "unregister_handlers",
]


class PostgresBuilderMethods(AppModelBuilder):
    """The PostgreSQL integration's methods on the app's builder."""

    def add_postgres(
        self,
        name: str,
        username: object = None,
        password: object = None,
        port: int | None = None,
    ) -> PostgresServerBuilder:
        """A PostgreSQL server container (``docker.io/library/postgres:17``; ``with_image`` to
        change it) with endpoint ``tcp`` (on ``port``, random when ``None``), user ``username``
        (default ``postgres``; a string or a parameter) and ``password`` (a secret parameter;
        default the generated ``<name>-password``, kept in ``.pyspire/settings.json`` so data
        in a volume stays reachable). Healthy once a real login succeeds; stopped with SIGINT,
        postgres' fast shutdown."""
        resource_name = name if isinstance(name, str) else repr(name)
        user = DEFAULT_USER if username is None else to_value(username)
        secret = server_password(self, resource_name, password)
        server = PostgresServerBuilder(self, PostgresServerResource(resource_name, user or DEFAULT_USER, secret.value))
        if server._rejects(
            "add_postgres",
            Arg("name", name, "text", "add_postgres('pg')"),
            Arg("port", port, "whole number", "add_postgres('pg', port=5432)", optional=True),
            defines_resource=True,
        ):
            port = None
        if user is None:
            server._reject("add_postgres username", f"{shown(username)} is not a user name; pass a string or a parameter")
        if secret.problem is not None:
            server._reject("add_postgres password", secret.problem)
        self.add_resource(server)
        if secret.generated is not None:
            secret.generated.with_parent(server)
        return (
            server.with_endpoint(ENDPOINT, port=port, target_port=POSTGRES_PORT)
            .with_env("POSTGRES_USER", server.server.username)
            .with_env("POSTGRES_PASSWORD", server.server.password)
            .with_env("POSTGRES_HOST_AUTH_METHOD", "scram-sha-256")
            .with_stop_signal("SIGINT")
            .with_health_check(accepts_login, name="login")
        )


#: Remove the database resource's handler (a test that installs its own, say).
unregister_handlers = resource_handlers.register(PostgresDatabaseResource, PostgresDatabaseHandler)
