"""Alembic's environment: the URL comes from ORDERS_SQLALCHEMY_URI, as for the API and worker."""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine

URL_VARIABLE = "ORDERS_SQLALCHEMY_URI"

if context.config.config_file_name is not None:
    fileConfig(context.config.config_file_name)


def database_url() -> str:
    url = os.environ.get(URL_VARIABLE)
    if not url:
        raise SystemExit(
            f"alembic: environment variable {URL_VARIABLE} is not set (with_reference(db) sets it)"
        )
    return url


def run_migrations_offline() -> None:
    """``alembic upgrade head --sql``: print the SQL instead of running it."""
    context.configure(url=database_url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    with create_engine(database_url()).connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
