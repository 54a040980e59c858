"""With a data volume, what was written stays: across the server's ``restart`` command and into
the next run, which reuses the generated password, finds the database instead of creating it,
and does not run the init files again."""

from __future__ import annotations

import psycopg
import pytest

from pyspire import DistributedApplication, testing
from tests.integrations.postgres.helpers import POSTGRES, client, client_rows, data_volume_of, kept_password

pytestmark = pytest.mark.containers

#: Init files run in the server's own database (POSTGRES_DB: the user's name), as upstream's do.
SEED = "CREATE TABLE seeds (text text NOT NULL);\nINSERT INTO seeds VALUES ('seeded');\n"


def model(app_dir, note: str):
    b = DistributedApplication.create_builder(app_dir=app_dir)
    pg = b.add_postgres("pg").with_image(POSTGRES).with_data_volume().with_init_files("./db-init")
    client(b, "writer", pg.add_database("orders"), "write", note)
    return b


async def test_a_data_volume_keeps_rows_and_the_database_across_restart_and_runs_and_init_files_run_once(
    tmp_path, volumes
):
    (tmp_path / "db-init").mkdir()
    (tmp_path / "db-init" / "01-seed.sql").write_text(SEED)
    first = model(tmp_path, "one")
    volumes.append(data_volume_of(first))
    async with testing.start(first) as app:
        assert (await client_rows(app, "writer"))["psycopg"] == ["one"]
        assert await texts(app, tmp_path, "postgres", "seeds") == ["seeded"]
        assert "running /docker-entrypoint-initdb.d/01-seed.sql" in app.log_text("pg")
        assert "created database 'orders'" in app.log_text("orders")
        password = kept_password(tmp_path)

        assert (await app.execute_command("pg", "restart")).success
        await app.wait_for_healthy("pg")
        assert await texts(app, tmp_path, "orders", "notes") == ["one"]

    async with testing.start(model(tmp_path, "two")) as app:
        assert (await client_rows(app, "writer"))["sqlalchemy"] == ["one", "two"]
        assert kept_password(tmp_path) == password
        assert "database 'orders' exists" in app.log_text("orders")
        assert "01-seed.sql" not in app.log_text("pg")
        assert await texts(app, tmp_path, "postgres", "seeds") == ["seeded"]


async def texts(app, app_dir, database: str, table: str) -> list[str]:
    """The ``text`` column of ``table``, read by this test as a client on the host would."""
    port = app.endpoint_url("pg", "tcp").rsplit(":", 1)[1]
    conninfo = f"host=localhost port={port} user=postgres password={kept_password(app_dir)} dbname={database}"
    async with await psycopg.AsyncConnection.connect(conninfo) as conn:
        rows = await (await conn.execute(f"SELECT text FROM {table}")).fetchall()
    return [text for (text,) in rows]
