"""PostgreSQL: a server container with a generated password and a health check that opens a
real connection, and databases as child resources that create themselves when missing.

``PostgresBuilderMethods`` gives the app's builder ``add_postgres``."""

from __future__ import annotations

from pyspire.model.builder import AppModelBuilder


class PostgresBuilderMethods(AppModelBuilder):
    """The PostgreSQL integration's methods on the app's builder."""
