"""Shared pieces of the PostgreSQL integration's tests: the image, the client, cleanup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import PYTHON
from tests.containers.helpers import podman

#: The offline build of scripts/images/postgres (scripts/containers.sh also tags it as the
#: default docker.io/library/postgres:17; the tests name it, so no other tag can change them).
POSTGRES = "localhost/pyspire-test/postgres:latest"
HERE = Path(__file__).parent


def client(builder, name: str, database, *args: str):
    """``pg_client.py args…`` as an app of the model, referencing ``database`` and waiting for it."""
    return (
        builder.add_executable(name, PYTHON, HERE, "pg_client.py", *args)
        .with_env("PG_CLIENT_DB", database.resource.name)
        .with_reference(database)
        .wait_for(database)
    )


async def client_rows(app, name: str) -> dict[str, object]:
    """The JSON line the client printed."""
    line = await app.wait_for_log(name, r'^\{"psycopg"', timeout=60)
    return json.loads(line.text)


def kept_password(app_dir: Path, parameter: str = "pg-password") -> str:
    """The generated password the app host keeps in the app's settings file."""
    return json.loads((app_dir / ".pyspire" / "settings.json").read_text())["Parameters"][parameter]


@pytest.fixture
def volumes():
    """Names of podman volumes a test makes; removed (by name) afterwards."""
    names: list[str] = []
    yield names
    for name in names:
        podman("volume", "rm", "-f", name)


def data_volume_of(builder, server: str = "pg") -> str:
    """The name of the data volume ``with_data_volume()`` gave ``server`` in ``builder``'s model."""
    resource = next(r for r in builder.resources if r.name == server)
    (mount,) = (m for m in resource.mounts if m.kind == "volume")
    assert mount.source is not None
    return mount.source
