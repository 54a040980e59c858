"""The recovery commands through the app host's ordinary command mechanism: one through the
control API (httpx), one through the CLI (``pyspire resource … --arg region=…``), run by the
environment's one controller in the order they came; destructive ones ask for confirmation."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pyspire import DistributedApplication, testing
from pyspire.model import CommandArgumentError
from pyspire.provisioning.model import CloudEnvironmentResource
from pyspire.provisioning.runtime import runtime_of
from tests.provisioning.app_helpers import pyspire_cli, until
from tests.provisioning.fake_backend import FakeCloud
from tests.provisioning.tiny_cloud import add_tiny_environment


def _model(tmp_path: Path, cloud: FakeCloud) -> tuple[DistributedApplication, CloudEnvironmentResource]:
    """The app, and its environment resource (where the run's controller lives)."""
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    env = add_tiny_environment(b, "tiny", cloud, account="111122223333", region="eu-west-1", group="app-dev")
    env.add_tiny_bucket("bucket")
    env.add_tiny_bucket("box")
    return b.build(), env.resource


def _app(tmp_path: Path, cloud: FakeCloud) -> DistributedApplication:
    return _model(tmp_path, cloud)[0]


def _provisioned(s: object) -> bool:
    return getattr(s, "state_message", None) == "Provisioned"


async def test_an_api_command_and_a_cli_command_run_one_after_the_other_in_the_order_they_came(tmp_path):
    cloud = FakeCloud()
    built, env = _model(tmp_path, cloud)
    async with testing.start(built) as app:
        await until(app, "bucket", _provisioned)
        await until(app, "box", _provisioned)
        cloud.hold("bucket")
        async with app.api_client() as http:
            api = asyncio.ensure_future(http.post("/v1/resources/bucket/commands/reprovision", timeout=30))
            await until(app, "bucket", lambda s: s.state_message == "Waiting for deployment")
            cli = asyncio.ensure_future(
                pyspire_cli("resource", "box", "change-location", "--arg", "region=us-east-2", cwd=tmp_path)
            )
            controller = runtime_of(env).controller
            assert controller is not None
            await until(app, "box", lambda s: controller.queued == 1, timeout=30)  # the CLI's command waits in the queue
            await asyncio.sleep(0.2)
            busy = (await http.get("/v1/provisioning/environments")).json()["environments"][0]
            assert (busy["operation"], busy["queued"]) == ("Reprovision bucket", 1)
            assert "delete box" not in cloud.log, "the second command waits for the first"
            assert not api.done()
            cloud.release("bucket")
            answer = await api
            said = await cli
        assert answer.status_code == 200 and answer.json()["success"] is True, answer.text
        assert "✓ change-location box" in said, said
        first, deleted = cloud.log.index("done bucket", 2), cloud.log.index("delete box")
        assert first < deleted < cloud.log.index("deploy box", deleted), cloud.log
        box = await until(app, "box", _provisioned)
        assert dict(box.properties)["region"] == "us-east-2"
        assert dict(box.properties)["output.region"] == "us-east-2"
        assert ("box", "us-east-2") in cloud.resources and ("box", "eu-west-1") not in cloud.resources
        async with app.api_client() as http:
            status = (await http.get("/v1/provisioning/environments")).json()["environments"]
        assert [e["name"] for e in status] == ["tiny"]
        assert status[0]["state"] == "Ready" and status[0]["operation"] is None and status[0]["queued"] == 0
        assert status[0]["resources"]["box"]["identity"]["region"] == "us-east-2"


async def test_destructive_cloud_commands_ask_for_confirmation_and_the_others_do_not(tmp_path):
    cloud = FakeCloud()
    async with testing.start(_app(tmp_path, cloud)) as app:
        await until(app, "bucket", _provisioned)
        bucket = {c.name: c for c in app.resource("bucket").commands}
        env = {c.name: c for c in app.resource("tiny").commands}
        assert set(bucket) == {"reprovision", "change-location", "forget-state", "delete", "cancel"}
        assert set(env) == {"reset", "change-context", "reprovision-all", "delete-all", "cancel"}
        confirmed = {n for n, c in {**bucket, **env}.items() if c.confirmation_message}
        assert confirmed == {"change-location", "forget-state", "delete", "reset", "change-context", "delete-all"}

        result = await app.execute_command("tiny", "delete-all")
        assert result.success, result
        assert ("bucket", "eu-west-1") not in cloud.resources and ("box", "eu-west-1") not in cloud.resources
        assert app.resource("bucket").state_message == "Deleted"
        result = await app.execute_command("tiny", "reprovision-all")
        assert result.success, result
        await until(app, "bucket", _provisioned)
        assert cloud.deploy_count("bucket") == 2


async def test_change_context_with_arguments_forget_state_and_reset_act_through_the_environment_commands(tmp_path):
    cloud = FakeCloud()
    async with testing.start(_app(tmp_path, cloud)) as app:
        await until(app, "bucket", _provisioned)
        moved = await app.execute_command("tiny", "change-context", {"region": "ap-south-1", "group": "app-test"})
        assert moved.success, moved
        bucket = await until(app, "bucket", lambda s: _provisioned(s) and dict(s.properties)["region"] == "ap-south-1")
        assert dict(bucket.properties)["group"] == "app-test"
        assert dict(app.resource("tiny").properties)["region"] == "ap-south-1"
        assert ("bucket", "ap-south-1") in cloud.resources

        forgot = await app.execute_command("bucket", "forget-state")
        assert forgot.success and app.resource("bucket").state_message == "Not provisioned"
        deploys = cloud.deploy_count("bucket")
        reset = await app.execute_command("tiny", "reset")
        assert reset.success, reset
        await until(app, "bucket", _provisioned)
        assert cloud.deploy_count("bucket") == deploys + 1, "reset forgot the cache: deployed again"

        with pytest.raises(CommandArgumentError, match=r"needs the argument 'region' \(Region\)"):
            await app.execute_command("box", "change-location")
        unchanged = await app.execute_command("tiny", "change-context", {"account": "", "region": ""})
        assert not unchanged.success and "give at least one of account, region, group" in (unchanged.message or "")


async def test_change_location_without_a_region_is_refused_by_the_api_and_the_cli_before_anything_moves(tmp_path):
    cloud = FakeCloud()
    async with testing.start(_app(tmp_path, cloud)) as app:
        await until(app, "box", _provisioned)
        async with app.api_client() as http:
            listed = (await http.get("/v1/resources/box")).json()["commands"]
            refused = await http.post("/v1/resources/box/commands/change-location", json={"arguments": {}})
            typo = await http.post("/v1/resources/box/commands/change-location", json={"arguments": {"regoin": "x"}})
        (move,) = [c for c in listed if c["name"] == "change-location"]
        assert [(a["name"], a["required"]) for a in move["arguments"]] == [("region", True)]
        assert refused.status_code == 400, refused.text
        assert refused.json()["message"] == (
            "command 'change-location' of 'box' needs the argument 'region' (Region); "
            "give it (pyspire resource box change-location --arg region=...)"
        )
        assert typo.status_code == 400 and "takes no argument 'regoin'; its arguments: region" in typo.json()["message"]
        said = await pyspire_cli("resource", "box", "change-location", cwd=tmp_path, check=False)
        assert "needs the argument 'region' (Region)" in said and "Traceback" not in said, said
        assert ("box", "eu-west-1") in cloud.resources, "nothing moved"
        assert cloud.deploy_count("box") == 1


async def test_command_arguments_that_are_not_text_are_refused_by_the_api_and_the_cli(tmp_path):
    cloud = FakeCloud()
    async with testing.start(_app(tmp_path, cloud)) as app:
        await until(app, "box", _provisioned)
        async with app.api_client() as http:
            wrong = await http.post("/v1/resources/box/commands/change-location", json={"arguments": {"region": 3}})
            not_json = await http.post("/v1/resources/box/commands/change-location", content=b"region=x")
        assert wrong.status_code == 400 and "'arguments' must map names to text" in wrong.text
        assert not_json.status_code == 400 and "not JSON" in not_json.text
        said = await pyspire_cli("resource", "box", "change-location", "--arg", "us-east-2", cwd=tmp_path, check=False)
        assert "write KEY=VALUE" in said, said
        assert ("box", "eu-west-1") in cloud.resources, "nothing moved"


async def test_cancel_does_not_wait_behind_the_operation_it_stops_and_shows_canceled(tmp_path):
    cloud = FakeCloud()
    async with testing.start(_app(tmp_path, cloud)) as app:
        await until(app, "bucket", _provisioned)
        cloud.hold("bucket")
        running = asyncio.ensure_future(app.execute_command("bucket", "reprovision"))
        await until(app, "bucket", lambda s: s.state_message == "Waiting for deployment")
        canceled = await asyncio.wait_for(app.execute_command("bucket", "cancel"), 5)
        assert canceled.success, canceled
        result = await asyncio.wait_for(running, 5)
        assert not result.success and "canceled" in (result.message or ""), result
        shown = await until(app, "bucket", lambda s: s.state_message == "Canceled")
        assert shown.state == "Exited"
        assert "canceled bucket" in cloud.log
        nothing = await app.execute_command("tiny", "cancel")
        assert not nothing.success and "no cloud operation is running" in (nothing.message or "")
