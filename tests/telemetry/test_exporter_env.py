"""The exporter variables of one replica (:func:`exporter_env`): where a process and a container
send, in which protocol, with the key marked secret; nothing for a resource that opted out."""

from __future__ import annotations

import sys

from pyspire import DistributedApplication
from pyspire.extensions import SecretEnvValue
from pyspire.telemetry.exporter_env import ReceiverAddresses, exporter_env

ADDRESSES = ReceiverAddresses(4317, 4318, "host.containers.internal", 51001, 51002)
KEY = "0123456789abcdef"


def test_a_process_sends_to_loopback_over_grpc_with_the_key_as_a_secret_header(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    api = b.add_executable("api", sys.executable, ".", "-c", "pass")
    env = exporter_env(api.resource, "x1", ADDRESSES, KEY)
    assert env == {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://localhost:4317",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
        "OTEL_EXPORTER_OTLP_HEADERS": f"x-otlp-api-key={KEY}",
        "OTEL_BSP_SCHEDULE_DELAY": "1000",
        "OTEL_BLRP_SCHEDULE_DELAY": "1000",
        "OTEL_METRIC_EXPORT_INTERVAL": "1000",
        "OTEL_METRICS_EXEMPLAR_FILTER": "trace_based",
    }
    assert isinstance(env["OTEL_EXPORTER_OTLP_HEADERS"], SecretEnvValue), "masked wherever it is shown"
    assert not isinstance(env["OTEL_EXPORTER_OTLP_ENDPOINT"], SecretEnvValue)


def test_http_protobuf_sends_to_the_http_port(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    api = b.add_executable("api", sys.executable, ".", "-c", "pass").with_otlp_exporter(protocol="http/protobuf")
    env = exporter_env(api.resource, "x1", ADDRESSES, KEY)
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://localhost:4318"
    assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"


def test_a_container_sends_to_the_gateway_proxy_at_the_engines_host_alias(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    box = b.add_container("box", "busybox")
    web = b.add_container("web", "busybox").with_otlp_exporter(protocol="http/protobuf")
    assert exporter_env(box.resource, "x1", ADDRESSES, KEY)["OTEL_EXPORTER_OTLP_ENDPOINT"] == (
        "http://host.containers.internal:51001"
    )
    docker = ReceiverAddresses(4317, 4318, "host.docker.internal", 51001, 51002)
    assert exporter_env(web.resource, "x1", docker, KEY)["OTEL_EXPORTER_OTLP_ENDPOINT"] == (
        "http://host.docker.internal:51002"
    )


def test_opting_out_gives_no_variables(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    api = b.add_executable("api", sys.executable, ".", "-c", "pass").with_otlp_exporter(False)
    box = b.add_container("box", "busybox").with_otlp_exporter(False)
    assert exporter_env(api.resource, "x1", ADDRESSES, KEY) == {}
    assert exporter_env(box.resource, "x1", ADDRESSES, KEY) == {}
