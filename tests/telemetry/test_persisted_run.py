"""With ``PYSPIRE_TELEMETRY_PERSIST=1`` (here in the ``.env`` beside the app), what a run's
resources sent is still there after the app host restarts — through the telemetry service pyspire
starts, its receiver and its read API."""

from __future__ import annotations

import asyncio
import sys

from pyspire import DistributedApplication, testing

#: Sends one OTLP/JSON log record to where pyspire's exporter variables say, with their key.
SEND_ONE_LOG = """
import json, os, time, urllib.request
key = os.environ["OTEL_EXPORTER_OTLP_HEADERS"].split("=", 1)[1]
record = {"timeUnixNano": str(time.time_ns()), "severityNumber": 9, "body": {"stringValue": "kept across restarts"}}
body = {"resourceLogs": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "sender"}}]},
        "scopeLogs": [{"logRecords": [record]}]}]}
request = urllib.request.Request(os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] + "/v1/logs", json.dumps(body).encode(),
                                 {"Content-Type": "application/json", "x-otlp-api-key": key})
print("sent", urllib.request.urlopen(request).status, flush=True)
time.sleep(60)
"""


def _app(tmp_path, send: bool):  # type: ignore[no-untyped-def]
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    if send:
        builder.add_executable("sender", sys.executable, ".", "-c", SEND_ONE_LOG).with_otlp_exporter(
            protocol="http/protobuf"
        )
    return builder


async def _bodies(app: testing.AppHandle) -> list[str]:
    async with app.api_client() as client:
        answer = await client.get("/v1/telemetry/logs")
    answer.raise_for_status()
    return [item["body"] for item in answer.json()["items"]]


async def test_a_runs_telemetry_survives_an_app_host_restart_when_persisted(tmp_path):
    (tmp_path / ".env").write_text("PYSPIRE_TELEMETRY_PERSIST=1\n")
    async with testing.start(_app(tmp_path, send=True)) as app:
        await app.wait_for_log("sender", "sent 200")
        async with asyncio.timeout(10):
            while "kept across restarts" not in await _bodies(app):
                await asyncio.sleep(0.05)
    assert (tmp_path / ".pyspire" / "telemetry.sqlite").exists()
    async with testing.start(_app(tmp_path, send=False)) as app:
        assert "kept across restarts" in await _bodies(app), "the previous run's log record is back"


async def test_without_persistence_a_restart_starts_empty(tmp_path):
    async with testing.start(_app(tmp_path, send=True)) as app:
        await app.wait_for_log("sender", "sent 200")
        async with asyncio.timeout(10):
            while "kept across restarts" not in await _bodies(app):
                await asyncio.sleep(0.05)
    async with testing.start(_app(tmp_path, send=False)) as app:
        assert await _bodies(app) == []
    assert not (tmp_path / ".pyspire" / "telemetry.sqlite").exists()
