"""Test client of a referenced PostgreSQL database, as an app would be written.

``pg_client.py write TEXT`` inserts TEXT into table ``notes`` (created when missing) with psycopg,
from ``ConnectionStrings__<name>`` (and logs in with ``<NAME>_URI`` too); then both ``write`` and ``read`` list the rows twice — with
psycopg and with SQLAlchemy from ``<NAME>_SQLALCHEMY_URI`` — and print them as one JSON line
``{"psycopg": [...], "sqlalchemy": [...], "database": ...}``. ``<name>`` is ``PG_CLIENT_DB``.
"""

import json
import os
import sys

import psycopg
import sqlalchemy

name = os.environ["PG_CLIENT_DB"]
prefix = name.upper()
with psycopg.connect(os.environ[f"ConnectionStrings__{name}"], autocommit=True) as conn:
    conn.execute("CREATE TABLE IF NOT EXISTS notes (id serial PRIMARY KEY, text text NOT NULL)")
    if sys.argv[1] == "write":
        conn.execute("INSERT INTO notes (text) VALUES (%s)", (sys.argv[2],))
    by_psycopg = [row[0] for row in conn.execute("SELECT text FROM notes ORDER BY id")]
    database = conn.execute("SELECT current_database()").fetchone()[0]

with psycopg.connect(os.environ[f"{prefix}_URI"]) as conn:  # psycopg takes the URI form too
    assert conn.execute("SELECT current_database()").fetchone()[0] == database

engine = sqlalchemy.create_engine(os.environ[f"{prefix}_SQLALCHEMY_URI"])
with engine.connect() as conn:
    by_sqlalchemy = [row[0] for row in conn.execute(sqlalchemy.text("SELECT text FROM notes ORDER BY id"))]
engine.dispose()
print(json.dumps({"psycopg": by_psycopg, "sqlalchemy": by_sqlalchemy, "database": database}), flush=True)
