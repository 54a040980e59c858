"""``PUT /v1/parameters/{name}`` against a real app host: a missing value supplied at run time
unblocks the resources waiting for it, ``save`` keeps it for the next run, and no answer, log or
error ever carries the secret value."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from pyspire import DistributedApplication, testing
from pyspire.orchestrator.redaction import MASK
from pyspire.states import ResourceState
from tests.conftest import APPS, PYTHON

SECRET = "late-secret-6502"


@pytest.fixture(autouse=True)
def no_supplied_values(monkeypatch):
    for name in ("Parameters__api-key", "Parameters__api_key", "ConnectionStrings__db"):
        monkeypatch.delenv(name, raising=False)


def waiting_app(tmp_path: Path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    key = b.add_parameter("api-key", secret=True)
    db = b.add_connection_string("db")
    b.add_executable("client", PYTHON, APPS, "dump_env.py").with_env("API_KEY", key).with_env(
        "DUMP_TO", str(tmp_path / "client.json")
    ).with_reference(db)
    return b


async def test_put_supplies_missing_values_and_the_waiting_resource_starts_with_them(tmp_path):
    async with testing.start(waiting_app(tmp_path)) as app, app.api_client() as client:
        assert (await app.wait_for_resource("api-key", ResourceState.VALUE_MISSING)).state_message
        await app.wait_for_resource("client", ResourceState.WAITING)
        answer = await client.put("/v1/parameters/api-key", json={"value": SECRET})
        assert answer.status_code == 200, answer.text
        assert answer.json()["snapshot"]["state"] == "Running" and answer.json()["saved"] is False
        assert answer.json()["snapshot"]["properties"]["value"] == MASK
        assert SECRET not in answer.text
        assert (await client.put("/v1/parameters/db", json={"value": "Host=db.internal;Password=pw-1"})).status_code == 200

        await app.wait_for_log("client", "dumped")
        env = json.loads((tmp_path / "client.json").read_text())["env"]
        assert env["API_KEY"] == SECRET and env["ConnectionStrings__db"] == "Host=db.internal;Password=pw-1"
        for path in ("/v1/resources", "/v1/logs", "/v1/resources/client"):
            assert SECRET not in (await client.get(path)).text, path
    assert not (tmp_path / ".pyspire" / "settings.json").exists(), "save: false keeps nothing on disk"


async def test_save_keeps_the_value_for_the_next_run_in_a_file_only_the_user_can_read(tmp_path):
    async with testing.start(waiting_app(tmp_path)) as app, app.api_client() as client:
        answer = await client.put("/v1/parameters/api-key", json={"value": SECRET, "save": True})
        assert answer.status_code == 200 and answer.json()["saved"] is True
        assert "value supplied and kept in" in app.log_text("api-key")
    settings = tmp_path / ".pyspire" / "settings.json"
    assert json.loads(settings.read_text())["Parameters"]["api-key"] == SECRET
    assert stat.S_IMODE(os.stat(settings).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(settings.parent).st_mode) == 0o700

    async with testing.start(waiting_app(tmp_path)) as app:
        assert app.resource("api-key").state == ResourceState.RUNNING, "the next run has it at once"


async def test_bad_requests_are_refused_with_the_rule_and_never_echo_the_value(tmp_path):
    async with testing.start(waiting_app(tmp_path)) as app, app.api_client() as client:
        await app.wait_for_resource("client", ResourceState.WAITING)

        unknown = await client.put("/v1/parameters/api-kee", json={"value": SECRET})
        assert unknown.status_code == 404 and "no resource named 'api-kee'" in unknown.json()["message"]
        not_a_value = await client.put("/v1/parameters/client", json={"value": SECRET})
        assert not_a_value.status_code == 409 and not_a_value.json()["reason"] == "Conflict"
        assert "not a parameter or connection string" in not_a_value.json()["message"]

        bodies = {
            b"not json " + SECRET.encode(): "not JSON",
            json.dumps([SECRET]).encode(): "not a JSON object",
            json.dumps({"save": True}).encode(): "'value' is missing",
            json.dumps({"value": 6502}).encode(): "'value' must be a string",
            json.dumps({"value": SECRET, "save": "yes"}).encode(): "'save' must be true or false",
            json.dumps({"value": SECRET, "secret": True}).encode(): "unknown field(s) 'secret'",
        }
        for body, rule in bodies.items():
            refused = await client.put("/v1/parameters/api-key", content=body)
            assert refused.status_code == 400, body
            assert rule in refused.json()["message"] and SECRET not in refused.text, body
        assert (await client.post("/v1/parameters/api-key", json={"value": SECRET})).status_code == 405
        assert app.resource("api-key").state == ResourceState.VALUE_MISSING, "nothing was supplied"

        anonymous = await client.put(
            "/v1/parameters/api-key", json={"value": SECRET}, headers={"Authorization": "Bearer nope"}
        )
        assert anonymous.status_code == 401 and app.resource("api-key").state == ResourceState.VALUE_MISSING


async def test_openapi_describes_the_parameter_route(tmp_path):
    async with testing.start(waiting_app(tmp_path)) as app, app.api_client() as client:
        document = (await client.get("/v1/openapi.json")).json()
        put = document["paths"]["/v1/parameters/{name}"]["put"]
        assert {"200", "400", "401", "404", "409"} <= set(put["responses"])
        body = document["components"]["schemas"]["ParameterValue"]
        assert body["required"] == ["value"] and set(body["properties"]) == {"value", "save"}
        answer = (await client.put("/v1/parameters/api-key", json={"value": "x"})).json()
        assert set(document["components"]["schemas"]["ParameterSet"]["properties"]) == set(answer)
