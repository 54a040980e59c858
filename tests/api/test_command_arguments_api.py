"""Declared command arguments through the resource API of a real app host, over real HTTP: listed
in the snapshot, undeclared and missing required ones refused with 400 before the callback runs,
defaults filled in, a secret argument's value in no answer and no log line."""

from __future__ import annotations

from pathlib import Path

from pyspire import CommandArgument, DistributedApplication, testing
from tests.conftest import PYTHON

SLEEPER = "import time; print('up', flush=True); time.sleep(600)"
TOKEN = "tok-7f3a-s3cret-given"
DEFAULT_TOKEN = "tok-default-hidden-99"
DEPLOY_ARGUMENTS = [
    CommandArgument("region", "Region", "Where to deploy", required=True),
    CommandArgument("mode", "Mode", default="fast"),
    CommandArgument("token", "API token", secret=True, default=DEFAULT_TOKEN),
]


def app_builder(tmp_path: Path, calls: list[dict[str, str]]) -> DistributedApplication:
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    cache = builder.add_executable("cache", PYTHON, ".", "-c", SLEEPER)

    def deploy(ctx):
        calls.append(dict(ctx.arguments))
        ctx.logger.info(f"deploying to {ctx.arguments['region']} with token {ctx.arguments['token']}")
        return True if ctx.arguments["token"] == DEFAULT_TOKEN else f"token {ctx.arguments['token']} refused"

    def legacy(ctx):
        calls.append(dict(ctx.arguments))

    cache.with_command("deploy", "Deploy", deploy, arguments=DEPLOY_ARGUMENTS)
    cache.with_command("legacy", "Legacy", legacy)
    return builder.build()


async def test_the_snapshot_lists_each_command_s_arguments_and_never_a_secret_default(tmp_path):
    async with testing.start(app_builder(tmp_path, [])) as app, app.api_client() as client:
        await app.wait_for_resource("cache")
        response = await client.get("/v1/resources/cache")
        commands = {c["name"]: c for c in response.json()["commands"]}
        assert commands["deploy"]["arguments"] == [
            {"name": "region", "label": "Region", "description": "Where to deploy", "required": True, "secret": False, "default": None},
            {"name": "mode", "label": "Mode", "description": None, "required": False, "secret": False, "default": "fast"},
            {"name": "token", "label": "API token", "description": None, "required": False, "secret": True, "default": None},
        ]
        assert commands["legacy"]["arguments"] == [] and commands["stop"]["arguments"] == []
        assert DEFAULT_TOKEN not in (await client.get("/v1/resources")).text
        schemas = (await client.get("/v1/openapi.json")).json()["components"]["schemas"]
        assert set(schemas["CommandSnapshot"]["properties"]) == set(commands["deploy"])
        assert set(schemas["CommandArgumentSnapshot"]["properties"]) == set(commands["deploy"]["arguments"][0])
        assert "400" in (await client.get("/v1/openapi.json")).json()["paths"]["/v1/resources/{name}/commands/{command}"]["post"]["responses"]


async def test_an_undeclared_or_missing_required_argument_is_400_before_the_callback_runs(tmp_path):
    calls: list[dict[str, str]] = []
    async with testing.start(app_builder(tmp_path, calls)) as app, app.api_client() as client:
        await app.wait_for_resource("cache")
        unknown = await client.post("/v1/resources/cache/commands/deploy", json={"arguments": {"region": "eu", "regoin": "eu"}})
        assert unknown.status_code == 400, unknown.text
        message = unknown.json()["message"]
        assert "command 'deploy' of 'cache' takes no argument 'regoin'" in message
        assert "its arguments: region, mode, token" in message
        missing = await client.post("/v1/resources/cache/commands/deploy", json={"arguments": {"mode": "slow"}})
        assert missing.status_code == 400
        assert "needs the argument 'region' (Region)" in missing.json()["message"]
        no_body = await client.post("/v1/resources/cache/commands/deploy")
        assert no_body.status_code == 400 and "'region'" in no_body.json()["message"]
        assert calls == [], "the callback ran for a refused call"

        ran = await client.post("/v1/resources/cache/commands/deploy", json={"arguments": {"region": "eu-west-2"}})
        assert ran.status_code == 200 and ran.json()["success"], ran.text
        assert calls == [{"region": "eu-west-2", "mode": "fast", "token": DEFAULT_TOKEN}]


async def test_a_command_that_declares_no_arguments_still_takes_any(tmp_path):
    calls: list[dict[str, str]] = []
    async with testing.start(app_builder(tmp_path, calls)) as app, app.api_client() as client:
        await app.wait_for_resource("cache")
        ran = await client.post("/v1/resources/cache/commands/legacy", json={"arguments": {"whatever": "x"}})
        assert ran.status_code == 200 and ran.json()["success"]
        assert calls == [{"whatever": "x"}]


async def test_a_secret_argument_s_value_is_in_no_answer_and_no_log_line(tmp_path):
    calls: list[dict[str, str]] = []
    async with testing.start(app_builder(tmp_path, calls)) as app, app.api_client() as client:
        await app.wait_for_resource("cache")
        answer = await client.post(
            "/v1/resources/cache/commands/deploy", json={"arguments": {"region": "eu", "token": TOKEN}}
        )
        assert answer.status_code == 200 and calls[-1]["token"] == TOKEN, "the callback sees the real value"
        result = answer.json()
        assert not result["success"] and "token *** refused" == result["message"]
        await client.post("/v1/resources/cache/commands/deploy", json={"arguments": {"region": "eu"}})
        logs = (await client.get("/v1/resources/cache/logs")).text
        assert "deploying to eu with token ***" in logs
        for text in (answer.text, logs, (await client.get("/v1/resources")).text, (await client.get("/v1/logs")).text):
            assert TOKEN not in text and DEFAULT_TOKEN not in text
        refused = await client.post("/v1/resources/cache/commands/deploy", json={"arguments": {"token": TOKEN}})
        assert refused.status_code == 400 and TOKEN not in refused.text
    written = [p for p in tmp_path.rglob("*") if p.is_file()]  # what the run left in the app's folder
    assert [p for p in written if TOKEN.encode() in p.read_bytes() or DEFAULT_TOKEN.encode() in p.read_bytes()] == []
