"""Run mode adds its policies before the launch plan (an integration can register one, and remove
it again), and an ordinary executable can offer a connection string to whoever references it."""

from __future__ import annotations

import json

from pyspire import (
    DistributedApplication,
    Resource,
    ResourceBuilder,
    ResourceWithConnectionString,
    expr,
    testing,
)
from pyspire.extensions import (
    RUN_MODE_POLICIES,
    HealthStatus,
    ResourceHandlerBase,
    ResourceState,
    RunModeContext,
    resource_handlers,
)
from pyspire.model import ValueProvider
from tests.conftest import APPS, PYTHON


def interpreter_flags(ctx: RunModeContext) -> dict[str, str]:
    """What a language integration would add for its own processes."""
    return {"PYTHONDONTWRITEBYTECODE": "1", "FROM_POLICY": ctx.resource.name} if ctx.resource.name == "client" else {}


async def test_a_registered_run_mode_policy_sets_variables_the_user_can_still_override(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    dump = tmp_path / "client.json"
    modes: list[bool] = []

    def record_mode(ctx) -> None:
        modes.append(ctx.is_publish)

    b.add_executable("client", PYTHON, APPS, "dump_env.py").with_env("DUMP_TO", str(dump)).with_env(
        "PYTHONDONTWRITEBYTECODE", "0"
    ).with_env(record_mode)
    with RUN_MODE_POLICIES.registered(interpreter_flags):
        async with testing.start(b) as app:
            await app.wait_for_log("client", "dumped")
            env = json.loads(dump.read_text())["env"]
    assert env["FROM_POLICY"] == "client"
    assert env["PYTHONDONTWRITEBYTECODE"] == "0", "what the user set wins over run-mode policy"
    assert env["OTEL_SERVICE_NAME"] == "client", "the built-in policy"
    assert interpreter_flags not in list(RUN_MODE_POLICIES), "leaving the block removed the policy"
    assert modes == [False], "env callbacks see run mode"


class ManagedDatabase(Resource):
    """An integration's resource with no process at all (a cloud database, say): it offers a
    connection string by having the member, without deriving from any pyspire class but Resource."""

    resource_type = "ManagedDatabase"

    def __init__(self, name: str, password: ValueProvider) -> None:
        super().__init__(name)
        self.password = password

    @property
    def connection_string(self) -> ValueProvider:
        return expr("postgres://admin:", self.password, "@db.example.net:5432/", self.name)


class ManagedDatabaseHandler(ResourceHandlerBase):
    """Nothing to run here: the database exists elsewhere, so it is up at once."""

    async def on_start(self) -> None:
        self.ctx.publish(state=ResourceState.RUNNING, health=HealthStatus.HEALTHY)


async def test_any_resource_with_a_connection_string_can_be_referenced(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    password = b.add_parameter("pg-password", value="pw-cloud-1", secret=True)
    database = ManagedDatabase("orders", password.resource)
    assert isinstance(database, ResourceWithConnectionString)
    b.add_resource(ResourceBuilder(b, database))
    dump = tmp_path / "client.json"
    b.add_executable("client", PYTHON, APPS, "dump_env.py").with_reference(database).with_env("DUMP_TO", str(dump))
    with resource_handlers.registered(ManagedDatabase, ManagedDatabaseHandler):
        async with testing.start(b) as app:
            await app.wait_for_log("client", "dumped")
            env = json.loads(dump.read_text())["env"]
            assert env["ConnectionStrings__orders"] == "postgres://admin:pw-cloud-1@db.example.net:5432/orders"
            assert (env["ORDERS_HOST"], env["ORDERS_PASSWORD"]) == ("db.example.net", "pw-cloud-1")
            assert "pw-cloud-1" not in json.dumps(app.resource("client").to_dict())


async def test_an_executable_offers_a_connection_string_built_from_its_endpoint_and_a_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("Parameters__db-password", "pw-77-secret")
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    password = b.add_parameter("db-password", secret=True)
    db = b.add_executable("db", PYTHON, APPS, "http_env.py").with_http_endpoint(env="PORT")
    http = db.get_endpoint("http")
    db.with_connection_string(expr("postgres://app:", password, "@", http.host, ":", http.port, "/shop"))
    dump = tmp_path / "client.json"
    b.add_executable("client", PYTHON, APPS, "dump_env.py").with_reference(db).with_env("DUMP_TO", str(dump))
    async with testing.start(b) as app:
        await app.wait_for_log("client", "dumped")
        env = json.loads(dump.read_text())["env"]
        port = app.endpoint_url("db").rsplit(":", 1)[1]
        assert env["ConnectionStrings__db"] == f"postgres://app:pw-77-secret@localhost:{port}/shop"
        assert (env["DB_HOST"], env["DB_PORT"], env["DB_DATABASE"]) == ("localhost", port, "shop")
        assert env["DB_PASSWORD"] == "pw-77-secret"
        assert env["DB_HTTP"] == app.endpoint_url("db"), "a resource with both gets both"
        shown = app.resource("client").to_dict()
        assert "pw-77-secret" not in json.dumps(shown), "the connection string is secret because a part is"
        assert app.resource("client").env_dict()["DB_HOST"] == "localhost"


async def test_a_consumer_waits_for_what_the_connection_string_needs_and_says_so(tmp_path, monkeypatch):
    monkeypatch.delenv("Parameters__queue-password", raising=False)
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    password = b.add_parameter("queue-password", secret=True)
    queue = b.add_executable("queue", PYTHON, APPS, "http_env.py").with_http_endpoint(env="PORT")
    http = queue.get_endpoint("http")
    queue.with_connection_string(expr("amqp://app:", password, "@", http.host, ":", http.port))
    dump = tmp_path / "client.json"
    b.add_executable("client", PYTHON, APPS, "dump_env.py").with_reference(queue).with_env("DUMP_TO", str(dump))
    async with testing.start(b) as app:
        waiting = await app.wait_for_resource("client", "Waiting")
        assert "Parameters__queue-password" in (waiting.state_message or "")
        assert "waiting for parameter queue-password" in app.log_text("client")
        app.executor.set_value("queue-password", "late-pw-5")
        await app.wait_for_log("client", "dumped")
        env = json.loads(dump.read_text())["env"]
        port = app.endpoint_url("queue").rsplit(":", 1)[1]
        assert env["ConnectionStrings__queue"] == f"amqp://app:late-pw-5@localhost:{port}"
