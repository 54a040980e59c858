"""A Python app of the integration gets, besides the exporter variables every replica gets, the
Python SDK's switches (OTLP for every signal, logs correlated with spans) — unless it opted out of
the exporter; a Node app is told to export over HTTP/protobuf. Real processes, real variables."""

from __future__ import annotations

import json

from pyspire import DistributedApplication, testing
from pyspire.extensions import APP_HOST_SERVICES
from tests.conftest import APPS
from tests.integrations.python.helpers import make_venv
from tests.telemetry.probe import ProbeReceiver
from tests.telemetry.test_exporter_wiring import probe_factory

PYTHON_SDK_SWITCHES = {
    "OTEL_PYTHON_LOGGING_AUTO_INSTRUMENTATION_ENABLED": "true",
    "OTEL_PYTHON_LOG_CORRELATION": "true",
    "OTEL_TRACES_EXPORTER": "otlp",
    "OTEL_METRICS_EXPORTER": "otlp",
    "OTEL_LOGS_EXPORTER": "otlp",
}

NODE_DUMP = """
const fs = require("fs");
fs.writeFileSync(process.env.DUMP_TO, JSON.stringify({env: process.env}));
console.log("dumped");
setTimeout(() => {}, 60000);
"""


async def test_python_and_node_apps_get_their_sdks_settings_and_an_opted_out_app_none(tmp_path):
    make_venv(tmp_path / ".venv")
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "dump.js").write_text(NODE_DUMP)
    probes: list[ProbeReceiver] = []
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_python_app("traced", APPS, "dump_env.py").with_env("DUMP_TO", str(tmp_path / "traced.json"))
    b.add_python_app("untraced", APPS, "dump_env.py").with_env(
        "DUMP_TO", str(tmp_path / "untraced.json")
    ).with_otlp_exporter(False)
    b.add_node_app("web", "./web", "dump.js").with_env("DUMP_TO", str(tmp_path / "web.json"))
    with APP_HOST_SERVICES.registered(probe_factory(probes)):
        async with testing.start(b) as app:
            for name in ("traced", "untraced", "web"):
                await app.wait_for_log(name, "dumped")
    port = probes[0].port
    traced = json.loads((tmp_path / "traced.json").read_text())["env"]
    untraced = json.loads((tmp_path / "untraced.json").read_text())["env"]
    web = json.loads((tmp_path / "web.json").read_text())["env"]
    assert {k: traced.get(k) for k in PYTHON_SDK_SWITCHES} == PYTHON_SDK_SWITCHES
    assert traced["OTEL_EXPORTER_OTLP_ENDPOINT"] == f"http://localhost:{port}"
    assert traced["OTEL_EXPORTER_OTLP_PROTOCOL"] == "grpc"

    assert untraced["PYTHONUNBUFFERED"] == "1", "the integration's own variable stays"
    assert not [k for k in untraced if k.startswith("OTEL_") and k.endswith(("_EXPORTER", "_CORRELATION"))]
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in untraced

    assert web["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
    assert web["OTEL_EXPORTER_OTLP_ENDPOINT"] == f"http://localhost:{port}"
    assert "OTEL_PYTHON_LOG_CORRELATION" not in web
