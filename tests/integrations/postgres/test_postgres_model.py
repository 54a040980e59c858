"""What ``add_postgres`` / ``add_database`` put in the model, and the mistakes they report at
``build()`` naming the resource, the field and the fix — no container needed."""

from __future__ import annotations

import warnings

import pytest

from pyspire import DistributedApplication, ModelError
from pyspire.extensions import parent_of, url_part
from pyspire.integrations.postgres.encoding import libpq_word
from pyspire.model.annotations import EnvironmentAnnotation, StopSignalAnnotation


def test_the_server_defaults_to_the_official_image_with_a_generated_secret_password(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    pg = b.add_postgres("pg")
    db = pg.add_database("orders")
    server = pg.resource
    assert server.image.reference == "docker.io/library/postgres:17"
    assert [(e.name, e.target_port) for e in server.endpoints] == [("tcp", 5432)]
    env = {a.name: a.value for a in server.annotations_of(EnvironmentAnnotation)}
    assert env["POSTGRES_USER"] == "postgres" and env["POSTGRES_HOST_AUTH_METHOD"] == "scram-sha-256"
    password = next(r for r in b.resources if r.name == "pg-password")
    assert env["POSTGRES_PASSWORD"] is password and password.is_secret and password.generate is not None
    assert parent_of(password) is server and parent_of(db.resource) is server
    assert server.last_annotation(StopSignalAnnotation) == StopSignalAnnotation("SIGINT")
    assert db.resource.connection_string.is_secret
    assert list(db.resource.connection_properties) == [
        "HOST", "PORT", "USERNAME", "PASSWORD", "DATABASE", "URI", "SQLALCHEMY_URI"
    ]
    assert "DATABASE" not in server.connection_properties
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b.build()


def test_the_default_data_volume_is_the_same_each_run_and_differs_between_apps(tmp_path):
    def volume(app_dir) -> tuple[str, str | None, str]:
        (mount,) = DistributedApplication.create_builder(app_dir=app_dir).add_postgres("pg").with_data_volume().resource.mounts
        return mount.kind, mount.source, mount.target

    one, other = tmp_path / "shop", tmp_path / "elsewhere" / "shop"
    kind, name, target = volume(one)
    assert (kind, target) == ("volume", "/var/lib/postgresql/data")
    assert name is not None and name.startswith("shop-") and name.endswith("-pg-data")
    assert volume(one) == (kind, name, target)
    assert volume(other)[1] != name


def test_a_literal_password_and_a_bad_database_name_are_reported_with_the_fix(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    pg = b.add_postgres("pg", password="hunter2")
    pg.add_database("orders", database_name="x" * 64)
    pg.add_database("empty", database_name="")
    with pytest.raises(ModelError) as raised:
        b.build()
    text = str(raised.value)
    assert "add_parameter('pg-password', secret=True)" in text and "hunter2" not in text
    assert "orders" in text and "63 bytes" in text
    assert "empty" in text and "database name is empty" in text


@pytest.mark.parametrize(
    ("text", "word"),
    [("plain", "plain"), ("", "''"), ("a b", "'a b'"), ("it's", "'it\\'s'"), ("back\\slash", "'back\\\\slash'")],
)
def test_libpq_values_are_quoted_only_when_they_must_be(text, word):
    assert libpq_word(text) == word


def test_uri_parts_encode_every_reserved_character():
    assert url_part("a@b:c/d?e#f%g h") == "a%40b%3Ac%2Fd%3Fe%23f%25g%20h"
