"""``with_otlp_exporter``: on by default for every runnable resource, off on request, a protocol
the receiver speaks — and a clear build error for one it does not."""

from __future__ import annotations

import sys

from pyspire import DistributedApplication
from pyspire.model.otlp_exporter import OtlpExporter, otlp_exporter_of
from tests.model.model_problems import problems_of


def test_every_runnable_resource_exports_over_grpc_unless_told_otherwise(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    api = b.add_executable("api", sys.executable, ".", "-c", "pass")
    box = b.add_container("box", "busybox")
    quiet = b.add_executable("quiet", sys.executable, ".", "-c", "pass").with_otlp_exporter(False)
    http = b.add_container("http", "busybox").with_otlp_exporter(protocol="http/protobuf")
    assert otlp_exporter_of(api.resource) == OtlpExporter(True, "grpc")
    assert otlp_exporter_of(box.resource) == OtlpExporter(True, "grpc")
    assert otlp_exporter_of(quiet.resource) == OtlpExporter(False, "grpc")
    assert otlp_exporter_of(http.resource) == OtlpExporter(True, "http/protobuf")
    b.build()


def test_node_apps_default_to_http_protobuf_and_a_later_call_keeps_the_protocol(tmp_path):
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "server.js").write_text("")
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    web = b.add_node_app("web", "./web", "server.js")
    assert otlp_exporter_of(web.resource) == OtlpExporter(True, "http/protobuf")
    web.with_otlp_exporter(False).with_otlp_exporter()
    assert otlp_exporter_of(web.resource) == OtlpExporter(True, "http/protobuf"), "re-enabled, same protocol"
    web.with_otlp_exporter(protocol="grpc")
    assert otlp_exporter_of(web.resource) == OtlpExporter(True, "grpc")


def test_a_protocol_the_receiver_does_not_speak_fails_the_build_naming_resource_field_and_fix(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("api", sys.executable, ".", "-c", "pass").with_otlp_exporter(protocol="http/json")
    [problem] = problems_of(b)
    assert "resource 'api', with_otlp_exporter protocol: 'http/json' is not an OTLP protocol" in problem
    assert "'grpc' or 'http/protobuf'" in problem
    assert "test_otlp_exporter_model.py" in problem, "points at the user's line"


def test_a_switch_that_is_not_a_flag_fails_the_build(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("api", sys.executable, ".", "-c", "pass").with_otlp_exporter("no")  # type: ignore[arg-type]
    b.add_container("box", "busybox").with_otlp_exporter(protocol=4317)  # type: ignore[arg-type]
    problems = problems_of(b)
    assert any("resource 'api', with_otlp_exporter: 'no' is not True or False" in p for p in problems), problems
    assert any("resource 'box', with_otlp_exporter protocol: 4317 is not a string" in p for p in problems), problems
