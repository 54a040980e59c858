"""End to end from a container: busybox posts one OTLP/JSON log record with ``wget`` to the
endpoint pyspire gave it (the engine's host alias, the gateway proxy in front of the loopback
receiver) with the key from its header variable, and the record is stored under the container's
resource and replica."""

from __future__ import annotations

import pytest

from pyspire import DistributedApplication, testing
from tests.containers.helpers import sh
from tests.telemetry.helpers import poll

pytestmark = pytest.mark.containers

#: The OTLP/JSON record names its sender the way an SDK does: service.name from OTEL_SERVICE_NAME,
#: service.instance.id from OTEL_RESOURCE_ATTRIBUTES.
EXPORT_A_LOG_RECORD = r"""
name="${OTEL_EXPORTER_OTLP_HEADERS%%=*}"; value="${OTEL_EXPORTER_OTLP_HEADERS#*=}"
instance="${OTEL_RESOURCE_ATTRIBUTES#service.instance.id=}"
body='{"resourceLogs":[{"resource":{"attributes":[
{"key":"service.name","value":{"stringValue":"'"$OTEL_SERVICE_NAME"'"}},
{"key":"service.instance.id","value":{"stringValue":"'"$instance"'"}}]},
"scopeLogs":[{"scope":{"name":"busybox.sh"},"logRecords":[{"timeUnixNano":"'"$(date +%s)"'000000000",
"severityNumber":13,"severityText":"WARN","body":{"stringValue":"hello from busybox"}}]}]}]}'
until wget -q -O- --header "$name: $value" --header "Content-Type: application/json" \
  --post-data "$body" "$OTEL_EXPORTER_OTLP_ENDPOINT/v1/logs"; do sleep 0.2; done
echo; echo sent; sleep 3600
"""


async def test_a_containers_otlp_json_log_record_is_stored_under_its_resource(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    sh(b, "box", EXPORT_A_LOG_RECORD).with_otlp_exporter(protocol="http/protobuf")
    async with testing.start(b) as app:
        snapshot = await app.wait_for_resource("box")
        env = {e.name: e.value for e in snapshot.env}
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"].startswith("http://host.containers.internal:")
        await app.wait_for_log("box", "sent", timeout=60)
        [replica] = (await app.wait_for_resource("box")).replicas
        async with app.api_client() as client:
            logs = await poll(client, "/v1/telemetry/logs", lambda a: bool(a["items"]), params={"resource": "box"})
        [entry] = logs["items"]
        assert entry["body"] == "hello from busybox"
        assert entry["severity"] == "warn" and entry["severity_text"] == "WARN"
        assert entry["resource"] == "box" and entry["replica"] == replica.name
        assert entry["scope"] == "busybox.sh"
