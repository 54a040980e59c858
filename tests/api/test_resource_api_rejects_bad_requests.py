"""The resource API refuses what it cannot honour instead of answering 200 with something else:
query values that do not fit, parameters a route does not take, methods a route does not serve
(405 with an Allow header), and command names that try to climb out of their path."""

from __future__ import annotations

import pytest

from pyspire import DistributedApplication, testing
from tests.conftest import PYTHON

SLEEPER = "import time; print('up', flush=True); time.sleep(600)"


@pytest.fixture
async def app(tmp_path):
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    builder.add_executable("sleeper", PYTHON, ".", "-c", SLEEPER)
    async with testing.start(builder) as app:
        await app.wait_for_log("sleeper", "up")
        yield app


@pytest.mark.parametrize(
    ("path", "params", "named"),
    [
        ("/v1/resources/sleeper/logs", {"timestamps": "-1"}, "timestamps"),
        ("/v1/resources/sleeper/logs", {"format": "null"}, "format"),
        ("/v1/resources/sleeper/logs", {"tail": "many"}, "tail"),
        ("/v1/resources/sleeper/logs", {"tail": "-1"}, "tail"),
        ("/v1/resources/sleeper/logs", {"tail": "1.5"}, "tail"),
        ("/v1/resources/sleeper/logs", {"follow": "maybe"}, "follow"),
        ("/v1/logs", {"timestamps": "2"}, "timestamps"),
        ("/v1/logs", {"replica": "sleeper-x"}, "replica"),  # only a resource's logs have replicas
        ("/v1/resources", {"watch": "sometimes"}, "watch"),
        ("/v1/resources", {"resource": "sleeper"}, "resource"),  # a filter of watches only
        ("/v1/resources/sleeper/logs", {"folow": "1"}, "folow"),
        ("/v1/resources/sleeper", {"watch": "1"}, "watch"),
        ("/v1/info", {"verbose": "1"}, "verbose"),
    ],
)
async def test_a_query_value_or_parameter_that_does_not_fit_is_400_naming_it(app, path, params, named):
    async with app.api_client() as client:
        response = await client.get(path, params=params)
    assert response.status_code == 400, response.text
    assert response.json()["reason"] == "BadRequest" and f"'{named}'" in response.json()["message"]


async def test_a_parameter_given_twice_is_400_and_good_values_still_work(app):
    async with app.api_client() as client:
        twice = await client.get("/v1/resources/sleeper/logs?tail=1&tail=2")
        assert twice.status_code == 400 and "given 2 times" in twice.json()["message"]
        for params in ({"timestamps": "true"}, {"timestamps": "0"}, {"format": "text"}, {"tail": ""}, {"follow": "no"}):
            response = await client.get("/v1/resources/sleeper/logs", params=params)
            assert response.status_code == 200, (params, response.text)
        assert (await client.get("/v1/resources/sleeper/logs", params={"format": "ndjson"})).text.startswith("{")
        stamped = (await client.get("/v1/resources/sleeper/logs", params={"timestamps": "yes"})).text
        assert stamped.splitlines()[0].endswith("Z up")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/v1/resources/sleeper/commands/stop", {"POST"}),
        ("POST", "/v1/resources", {"GET", "HEAD"}),
        ("DELETE", "/v1/stop", {"POST"}),
        ("PUT", "/v1/resources/sleeper/logs", {"GET", "HEAD"}),
        ("POST", "/apis/pyspire.dev/v1/executables", {"GET", "HEAD"}),
    ],
)
async def test_a_method_a_route_does_not_serve_is_405_with_an_allow_header(app, method, path, allowed):
    async with app.api_client() as client:
        response = await client.request(method, path)
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["allow"].split(",")} == allowed
    status = response.json()
    assert status["reason"] == "MethodNotAllowed" and f"{method} is not allowed on {path}" in status["message"]


async def test_a_command_name_with_dots_and_slashes_names_no_other_route(app):
    async with app.api_client() as client:
        climbing = await client.post("/v1/resources/sleeper/commands/..%2F..%2F..%2Fstop")
        assert climbing.status_code == 404
        assert "no such path: /v1/resources/sleeper/commands/../../../stop" in climbing.json()["message"]
        dots = await client.post("/v1/resources/sleeper/commands/%2E%2E")
        assert dots.status_code == 404 and "has no command '..'" in dots.json()["message"]
    assert not app.running.stop_requested.is_set()
    assert app.resource("sleeper").state == "Running"
