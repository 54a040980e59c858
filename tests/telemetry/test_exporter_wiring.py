"""What a replica really receives from the telemetry seam: the exporter variables pointing at a
loopback receiver, the API key — which reaches the receiver while every output pyspire shows
masks it — and nothing for a resource that opted out. Run against a real loopback socket (the
probe receiver), with real processes under ``pyspire.testing``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pyspire import DistributedApplication, testing
from pyspire.executor.snapshots import MASK
from pyspire.extensions import APP_HOST_SERVICES, AppHostSetup
from tests.conftest import APPS, PYTHON
from tests.telemetry.probe import ProbeReceiver

#: Sends one OTLP/HTTP request the way an SDK exporter would (endpoint + /v1/logs, the headers of
#: OTEL_EXPORTER_OTLP_HEADERS), prints the header variable, then stays up.
EXPORT_ONCE = """
import os, time, urllib.request
name, _, value = os.environ["OTEL_EXPORTER_OTLP_HEADERS"].partition("=")
request = urllib.request.Request(os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] + "/v1/logs", data=b"{}",
                                 headers={name: value, "content-type": "application/json"})
print("answer", urllib.request.urlopen(request, timeout=10).read().decode(), flush=True)
print("headers are", os.environ["OTEL_EXPORTER_OTLP_HEADERS"], flush=True)
time.sleep(60)
"""


def probe_factory(found: list[ProbeReceiver]):
    def factory(setup: AppHostSetup) -> ProbeReceiver:
        probe = ProbeReceiver(setup)
        found.append(probe)
        return probe

    return factory


def dumped_env(path: Path) -> dict[str, str]:
    env: dict[str, str] = json.loads(path.read_text())["env"]
    return env


async def test_a_process_exports_to_the_loopback_receiver_with_a_key_no_output_shows(tmp_path):
    probes: list[ProbeReceiver] = []
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("exporter", PYTHON, ".", "-c", EXPORT_ONCE).with_otlp_exporter(protocol="http/protobuf")
    b.add_executable("dump", PYTHON, APPS, "dump_env.py").with_env("DUMP_TO", str(tmp_path / "env.json"))
    with APP_HOST_SERVICES.registered(probe_factory(probes)):
        async with testing.start(b) as app:
            [probe] = probes
            request = await probe.next_request()
            assert (request.method, request.path) == ("POST", "/v1/logs")
            assert request.headers["x-otlp-api-key"] == probe.api_key, "the key reaches the receiver"
            await app.wait_for_log("exporter", "headers are")
            await app.wait_for_log("dump", "dumped")

            env = dumped_env(tmp_path / "env.json")
            assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == f"http://localhost:{probe.port}"
            assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "grpc"
            assert env["OTEL_EXPORTER_OTLP_HEADERS"] == f"x-otlp-api-key={probe.api_key}"
            assert env["OTEL_BSP_SCHEDULE_DELAY"] == "1000" and env["OTEL_METRIC_EXPORT_INTERVAL"] == "1000"
            assert env["OTEL_SERVICE_NAME"] == "dump"

            shown = {e.name: e for e in app.resource("dump").env}
            assert shown["OTEL_EXPORTER_OTLP_HEADERS"].value == MASK and shown["OTEL_EXPORTER_OTLP_HEADERS"].is_secret
            assert shown["OTEL_EXPORTER_OTLP_ENDPOINT"].value == f"http://localhost:{probe.port}"
            async with app.api_client() as client:
                resources = (await client.get("/v1/resources")).text
                objects = (await client.get("/apis/pyspire.dev/v1/executables")).text
            assert "OTEL_EXPORTER_OTLP_HEADERS" in resources and probe.api_key not in resources
            assert "OTEL_EXPORTER_OTLP_HEADERS" in objects and probe.api_key not in objects, "kubectl's view"
            logged = app.log_text("exporter")
            assert "headers are ***" in logged and probe.api_key not in logged


async def test_a_resource_that_opted_out_gets_no_exporter_variables(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("dump", PYTHON, APPS, "dump_env.py").with_env(
        "DUMP_TO", str(tmp_path / "env.json")
    ).with_otlp_exporter(False)
    with APP_HOST_SERVICES.registered(probe_factory([])):
        async with testing.start(b) as app:
            await app.wait_for_log("dump", "dumped")
    env = dumped_env(tmp_path / "env.json")
    assert not [name for name in env if name.startswith(("OTEL_EXPORTER_", "OTEL_BSP_", "OTEL_METRIC"))], env
    assert env["OTEL_SERVICE_NAME"] == "dump", "the service identity stays"


async def test_an_app_without_containers_exposes_nothing_on_a_gateway(tmp_path):
    probes: list[ProbeReceiver] = []
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("idle", sys.executable, ".", "-c", "import time; time.sleep(60)")
    with APP_HOST_SERVICES.registered(probe_factory(probes)):
        async with testing.start(b) as app:
            await app.wait_for_resource("idle")
            assert probes[0].container_port is None
            async with app.api_client() as client:
                services = (await client.get("/apis/pyspire.dev/v1/services")).json()["items"]
            assert not [s for s in services if s["metadata"]["name"].startswith("app-host-")]
