"""The resource API (/v1) against a real app host: tokens, snapshots, watch, logs, commands, stop."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import stat
from pathlib import Path

import httpx
import pytest

from pyspire import DistributedApplication, testing
from pyspire.api.hosting import ApiSettingError
from pyspire.runtime.apphosts import registry_dir
from tests.conftest import PYTHON

TICKER = "import time\nfor i in range(100000):\n print('tick', i, flush=True); time.sleep(0.05)"
SLEEPER = "import time; print('up', flush=True); time.sleep(600)"
SECRET = "s3cr3t-value-42"


def app_builder(tmp_path: Path):
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    password = builder.add_parameter("password", value=SECRET, secret=True)
    builder.add_executable("ticker", PYTHON, ".", "-c", TICKER).with_replicas(2)
    sleeper = builder.add_executable("sleeper", PYTHON, ".", "-c", SLEEPER).with_env("PASSWORD", password)

    def refuse(ctx):
        return "refused on purpose"

    sleeper.with_command("refuse", "Refuse", refuse)
    return builder


async def sse_events(response: httpx.Response):
    """(event, data) pairs from a text/event-stream response."""
    event, data = None, []
    async for line in response.aiter_lines():
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif line == "" and event:
            yield event, json.loads("".join(data)) if data else None
            event, data = None, []


async def test_every_request_needs_the_token_compared_exactly(tmp_path):
    async with testing.start(app_builder(tmp_path)) as app:
        async with httpx.AsyncClient(base_url=app.api.url) as anonymous:
            for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Bearer {app.api.token[:-1]}x"},
                            {"Authorization": f"Basic {app.api.token}"}):
                for method, path in (("GET", "/v1/resources"), ("POST", "/v1/stop"), ("GET", "/apis")):
                    response = await anonymous.request(method, path, headers=headers)
                    assert response.status_code == 401, (method, path, headers)
                    assert response.json()["reason"] == "Unauthorized"
                    assert response.headers["www-authenticate"].startswith("Bearer")
            assert not app.running.stop_requested.is_set()
        async with app.api_client() as client:
            assert (await client.get("/v1/resources")).status_code == 200
        assert app.api.url.startswith("http://127.0.0.1:")


async def test_unix_socket_serves_the_same_api_with_the_same_token(tmp_path):
    async with testing.start(app_builder(tmp_path)) as app:
        assert app.api.socket and stat.S_IMODE(os.stat(app.api.socket).st_mode) == 0o600
        transport = httpx.AsyncHTTPTransport(uds=app.api.socket)
        async with httpx.AsyncClient(transport=transport, base_url="http://pyspire") as client:
            assert (await client.get("/v1/info")).status_code == 401
            info = await client.get("/v1/info", headers={"Authorization": f"Bearer {app.api.token}"})
            assert info.json()["pid"] == os.getpid()
    assert not Path(app.api.socket).exists()


async def test_run_file_records_port_token_and_pid_readable_only_by_the_user(tmp_path):
    async with testing.start(app_builder(tmp_path)) as app:
        [run_file] = (tmp_path / ".pyspire" / "runs").glob("*.json")
        assert stat.S_IMODE(run_file.stat().st_mode) == 0o600
        run = json.loads(run_file.read_text())
        assert run["appHostPid"] == os.getpid()
        assert run["api"]["url"] == app.api.url and run["api"]["token"] == app.api.token
        assert run["appHost"] == str(tmp_path / "apphost.py")
        kubeconfig = Path(app.api.kubeconfig)
        assert kubeconfig.parent == tmp_path / ".pyspire"
        for _ in range(100):  # written once the TLS listener for kubectl is up
            if kubeconfig.exists():
                break
            await asyncio.sleep(0.05)
        assert stat.S_IMODE(kubeconfig.stat().st_mode) == 0o600
        pointers = list(registry_dir().glob("*.json"))
        assert [json.loads(p.read_text())["runFile"] for p in pointers] == [str(run_file)]
        assert app.api.token not in pointers[0].read_text()
    assert not run_file.exists() and not list(registry_dir().glob("*.json"))
    assert not kubeconfig.exists()


async def test_snapshots_list_and_get_with_secrets_masked(tmp_path):
    async with testing.start(app_builder(tmp_path)) as app:
        await app.wait_for_resource("sleeper")
        await app.wait_for_resource("ticker")
        async with app.api_client() as client:
            listing = (await client.get("/v1/resources")).json()
            names = [r["name"] for r in listing["resources"]]
            assert names == ["password", "ticker", "sleeper"]
            assert listing["version"] == max(r["version"] for r in listing["resources"])
            ticker = (await client.get("/v1/resources/ticker")).json()
            assert ticker["state"] == "Running" and len(ticker["replicas"]) == 2
            assert all(r["pid"] for r in ticker["replicas"])
            assert SECRET not in json.dumps(listing)
            sleeper = (await client.get("/v1/resources/sleeper")).json()
            assert {"name": "PASSWORD", "value": "********", "is_secret": True} in sleeper["env"]
            missing = await client.get("/v1/resources/nope")
            assert missing.status_code == 404
            assert "no resource named 'nope'" in missing.json()["message"]
            assert "ticker" in missing.json()["message"]
            info = (await client.get("/v1/info")).json()
            assert info["pid"] == os.getpid() and info["app_dir"] == str(tmp_path)
            assert info["resources"]["total"] == 3
            assert info["urls"]["api"] == app.api.url


async def test_watch_streams_current_snapshots_then_changes_and_ends_when_the_app_host_stops(tmp_path):
    seen: list[tuple[str, dict]] = []
    async with testing.start(app_builder(tmp_path)) as app:
        await app.wait_for_resource("sleeper")
        client = app.api_client()

        async def watch() -> None:
            async with client.stream("GET", "/v1/resources", params={"watch": "1"}) as response:
                assert response.headers["content-type"].startswith("text/event-stream")
                async for event in sse_events(response):
                    seen.append(event)

        watcher = asyncio.create_task(watch())
        while not any(kind == "synced" for kind, _ in seen):
            await asyncio.sleep(0.01)
        first = [data["name"] for kind, data in seen if kind == "snapshot"]
        assert sorted(first) == ["password", "sleeper", "ticker"]
        result = await app.execute_command("sleeper", "stop")
        assert result.success
        for _ in range(200):
            if any(kind == "snapshot" and d["name"] == "sleeper" and d["state"] == "Exited" for kind, d in seen):
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError(f"no Exited snapshot in {seen}")
        versions = [d["version"] for kind, d in seen if kind == "snapshot" and d["name"] == "sleeper"]
        assert versions == sorted(versions)
    await asyncio.wait_for(watcher, 5)  # the stream ended by itself
    assert seen[-1][0] == "closing"
    await client.aclose()


async def test_watch_of_one_resource_only_sends_that_resource(tmp_path):
    async with testing.start(app_builder(tmp_path)) as app, app.api_client() as client:
        await app.wait_for_resource("sleeper")
        names: list[str] = []
        async with client.stream("GET", "/v1/resources", params={"watch": "1", "resource": "sleeper"}) as response:
            async for kind, data in sse_events(response):
                if kind == "synced":
                    await app.execute_command("ticker", "stop")
                    await app.execute_command("sleeper", "stop")
                elif kind == "snapshot":
                    names.append(data["name"])
                    if data["state"] == "Exited":
                        break
        assert set(names) == {"sleeper"}
        missing = await client.get("/v1/resources", params={"watch": "1", "resource": "nope"})
        assert missing.status_code == 404


async def test_logs_tail_timestamps_replica_and_follow(tmp_path):
    async with testing.start(app_builder(tmp_path)) as app, app.api_client() as client:
        await app.wait_for_log("ticker", r"tick 3")
        text = (await client.get("/v1/resources/ticker/logs", params={"tail": "3"})).text
        assert len(text.splitlines()) == 3 and all("tick" in line for line in text.splitlines())
        stamped = (await client.get("/v1/resources/sleeper/logs", params={"timestamps": "1"})).text
        assert stamped.splitlines()[0].endswith("Z up")
        replica = app.resource("ticker").replicas[0]
        lines = (
            await client.get("/v1/resources/ticker/logs", params={"replica": replica.suffix, "format": "ndjson"})
        ).text.splitlines()
        records = [json.loads(line) for line in lines]
        assert records and {r["replica"] for r in records} == {replica.name}
        assert set(records[0]) == {"resource", "replica", "stream", "timestamp", "text"}
        bad = await client.get("/v1/resources/ticker/logs", params={"tail": "many"})
        assert bad.status_code == 400 and "tail" in bad.json()["message"]
        unknown = await client.get("/v1/resources/ticker/logs", params={"replica": "zzz"})
        assert unknown.status_code == 404 and replica.name in unknown.json()["message"]
        # follow: the last 2 lines, then new ones as they are printed
        received: list[dict] = []
        params = {"follow": "1", "tail": "2", "format": "ndjson"}
        async with client.stream("GET", "/v1/resources/ticker/logs", params=params) as response:
            async for line in response.aiter_lines():
                if line:
                    received.append(json.loads(line))
                if len(received) >= 8:
                    break
        numbers = [int(r["text"].split()[1]) for r in received if r["text"].startswith("tick")]
        assert len(numbers) >= 6 and max(numbers) > numbers[1]
        every = (await client.get("/v1/logs", params={"tail": "1", "format": "ndjson"})).text.splitlines()
        assert {json.loads(line)["resource"] for line in every} >= {"ticker", "sleeper"}


async def test_followed_logs_end_when_the_app_host_stops(tmp_path):
    async with testing.start(app_builder(tmp_path)) as app:
        client = app.api_client()
        await app.wait_for_log("sleeper", "up")
        lines: list[str] = []

        async def follow() -> None:
            async with client.stream("GET", "/v1/resources/sleeper/logs", params={"follow": "1"}) as response:
                async for line in response.aiter_lines():
                    lines.append(line)

        follower = asyncio.create_task(follow())
        while not lines:
            await asyncio.sleep(0.01)
    await asyncio.wait_for(follower, 5)
    assert lines[0] == "up"
    await client.aclose()


async def test_commands_run_and_report_their_result(tmp_path):
    async with testing.start(app_builder(tmp_path)) as app, app.api_client() as client:
        await app.wait_for_resource("sleeper")
        failed = (await client.post("/v1/resources/sleeper/commands/refuse")).json()
        assert failed["success"] is False and failed["message"] == "refused on purpose"
        stopped = (await client.post("/v1/resources/sleeper/commands/stop")).json()
        assert stopped["success"] is True and stopped["snapshot"]["state"] == "Exited"
        again = (await client.post("/v1/resources/sleeper/commands/stop")).json()
        assert again["success"] is False and "hidden" in again["message"]
        started = (await client.post("/v1/resources/sleeper/commands/start")).json()
        assert started["success"] is True
        await app.wait_for_resource("sleeper")
        unknown = await client.post("/v1/resources/sleeper/commands/explode")
        assert unknown.status_code == 404 and "refuse" in unknown.json()["message"]
        assert (await client.get("/v1/resources/sleeper/commands/stop")).status_code == 405


async def test_stop_asks_the_app_host_to_stop(tmp_path):
    async with testing.start(app_builder(tmp_path)) as app, app.api_client() as client:
        response = await client.post("/v1/stop")
        assert response.status_code == 202
        await asyncio.wait_for(app.running.stop_requested.wait(), 1)


async def test_openapi_describes_what_the_api_sends(tmp_path):
    async with testing.start(app_builder(tmp_path)) as app, app.api_client() as client:
        await app.wait_for_resource("sleeper")
        document = (await client.get("/v1/openapi.json")).json()
        assert document["openapi"].startswith("3.1")
        assert {"/v1/resources", "/v1/resources/{name}/logs", "/v1/stop"} <= set(document["paths"])
        schema = document["components"]["schemas"]["ResourceSnapshot"]
        snapshot = (await client.get("/v1/resources/sleeper")).json()
        assert set(schema["properties"]) == set(snapshot)
        assert set(schema["required"]) <= set(snapshot)
        replica = document["components"]["schemas"]["ReplicaSnapshot"]
        assert set(replica["properties"]) == set(snapshot["replicas"][0])
        assert (await client.get("/v1/openapi.json", headers={"Authorization": "Bearer x"})).status_code == 401


async def test_api_port_setting_is_honoured_or_rejected_before_anything_starts(tmp_path, monkeypatch):
    monkeypatch.setenv("PYSPIRE_API_PORT", "http")
    with pytest.raises(ApiSettingError, match="PYSPIRE_API_PORT"):
        async with testing.start(app_builder(tmp_path)):
            pass
    assert not (tmp_path / ".pyspire" / "runs").exists() or not list((tmp_path / ".pyspire" / "runs").iterdir())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("PYSPIRE_API_PORT", str(port))
    async with testing.start(app_builder(tmp_path)) as app:
        assert app.api.url == f"http://127.0.0.1:{port}"
