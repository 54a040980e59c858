"""What a process referencing a PostgreSQL database (or its server) receives, used by real
clients: psycopg with ``ConnectionStrings__<db>``, SQLAlchemy with ``<DB>_SQLALCHEMY_URI``; a
container gets the server's network alias instead; the password shows in no output."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from pyspire import DistributedApplication, testing
from tests.conftest import APPS, PYTHON
from tests.containers.helpers import sh
from tests.integrations.postgres.helpers import POSTGRES, client, client_rows

pytestmark = pytest.mark.containers

#: Every character a URI or a libpq string would choke on unencoded.
AWKWARD_PASSWORD = "p@ss w'rd/%:\\?#x"


async def test_a_process_referencing_the_database_connects_with_psycopg_and_sqlalchemy(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    password = b.add_parameter("pg-secret", value=AWKWARD_PASSWORD, secret=True)
    pg = b.add_postgres("pg", password=password).with_image(POSTGRES)
    db = pg.add_database("orders")
    client(b, "writer", db, "write", "hello")
    dump = tmp_path / "env.json"
    b.add_executable("dump", PYTHON, APPS, "dump_env.py").with_env("DUMP_TO", str(dump)).with_reference(
        db
    ).with_reference(pg)
    sh(b, "peek", "echo at $ORDERS_HOST:$ORDERS_PORT; exec sleep 3600").with_reference(db)
    psql = 'psql "$ConnectionStrings__orders" -tAc "SELECT current_database()"; exec sleep 3600'
    b.add_container("psql", POSTGRES).with_entrypoint("bash").with_args("-c", psql).with_reference(db).wait_for(
        db
    ).with_stop_grace_period(0)
    async with testing.start(b) as app:
        rows = await client_rows(app, "writer")
        assert rows == {"psycopg": ["hello"], "sqlalchemy": ["hello"], "database": "orders"}
        await app.wait_for_log("dump", "dumped")
        port = app.endpoint_url("pg", "tcp").rsplit(":", 1)[1]
        env = json.loads(dump.read_text())["env"]
        quoted = "'p@ss w\\'rd/%:\\\\?#x'"
        assert env["ConnectionStrings__orders"] == (
            f"host=localhost port={port} user=postgres password={quoted} dbname=orders"
        )
        encoded = quote(AWKWARD_PASSWORD, safe="")
        assert env["ORDERS_URI"] == f"postgresql://postgres:{encoded}@localhost:{port}/orders"
        assert env["ORDERS_SQLALCHEMY_URI"] == f"postgresql+psycopg://postgres:{encoded}@localhost:{port}/orders"
        assert (env["ORDERS_HOST"], env["ORDERS_PORT"], env["ORDERS_USERNAME"]) == ("localhost", port, "postgres")
        assert (env["ORDERS_PASSWORD"], env["ORDERS_DATABASE"]) == (AWKWARD_PASSWORD, "orders")
        # the server: the same, without a database
        assert env["ConnectionStrings__pg"] == f"host=localhost port={port} user=postgres password={quoted}"
        assert env["PG_URI"] == f"postgresql://postgres:{encoded}@localhost:{port}"
        assert "PG_DATABASE" not in env
        # a container reaches the server by its network alias and the port inside
        await app.wait_for_log("peek", "^at pg:5432$")
        await app.wait_for_log("psql", "^orders$", timeout=30)  # psql in a container, through the alias

        shown = json.dumps([app.resource(r.name).env_dict() for r in app.resources()])
        served = (await app.api_client().get("/v1/resources")).text
        logs = "\n".join(app.log_text(r.name) for r in app.resources())
        for output in (shown, served, logs):
            for form in (AWKWARD_PASSWORD, encoded, quoted):
                assert form not in output
