"""Every validation rule rejects a bad model before anything starts, naming resource and field."""

from __future__ import annotations

import os

import pytest

from pyspire import DistributedApplication, ModelError, expr


def problems_of(builder) -> list[str]:
    with pytest.raises(ModelError) as caught:
        builder.build()
    return [str(p) for p in caught.value.problems]


def new_builder(tmp_path):
    return DistributedApplication.create_builder(app_dir=tmp_path)


def test_duplicate_names(tmp_path):
    b = new_builder(tmp_path)
    b.add_executable("api", "python", ".")
    b.add_executable("api", "python", ".")
    assert any("resource 'api', name: 2 resources share this name" in p for p in problems_of(b))


@pytest.mark.parametrize("name", ["API", "1api", "api_1", "api-", "", "a" * 64, "ápi"])
def test_invalid_names(tmp_path, name):
    b = new_builder(tmp_path)
    b.add_executable(name, "python", ".")
    assert any(f"resource '{name}', name:" in p for p in problems_of(b))


def test_valid_names_pass(tmp_path):
    b = new_builder(tmp_path)
    b.add_executable("a", "python", ".")
    b.add_executable("api-2", "python", ".")
    b.add_executable("x" * 63, "python", ".")
    b.build()


def test_proxied_port_equal_to_target_port(tmp_path):
    b = new_builder(tmp_path)
    b.add_executable("api", "python", ".").with_http_endpoint(port=8000, target_port=8000)
    (problem,) = problems_of(b)
    assert "resource 'api', endpoint 'http'" in problem and "proxied=False" in problem


def test_proxyless_port_different_from_target_port(tmp_path):
    b = new_builder(tmp_path)
    b.add_executable("api", "python", ".").with_http_endpoint(port=8000, target_port=8001, proxied=False)
    (problem,) = problems_of(b)
    assert "resource 'api', endpoint 'http'" in problem and "must be equal" in problem


def test_replicas_with_proxyless_endpoint(tmp_path):
    b = new_builder(tmp_path)
    b.add_executable("api", "python", ".").with_http_endpoint(proxied=False).with_replicas(2)
    (problem,) = problems_of(b)
    assert "resource 'api', endpoint 'http'" in problem and "replicas" in problem


def test_replicas_with_fixed_target_port(tmp_path):
    b = new_builder(tmp_path)
    b.add_executable("api", "python", ".").with_http_endpoint(target_port=9000).with_replicas(3)
    (problem,) = problems_of(b)
    assert "resource 'api', endpoint 'http' target_port" in problem


def test_duplicate_endpoint_names(tmp_path):
    b = new_builder(tmp_path)
    b.add_executable("api", "python", ".").with_http_endpoint().with_endpoint("http", scheme="tcp")
    assert any("endpoint 'http': declared 2 times" in p for p in problems_of(b))


def test_reference_to_resource_outside_the_model(tmp_path):
    other = new_builder(tmp_path)
    stranger = other.add_executable("stranger", "python", ".").with_http_endpoint()
    b = new_builder(tmp_path)
    b.add_executable("api", "python", ".").with_reference(stranger).with_env(
        "URL", stranger.get_endpoint("http")
    ).with_env("BUILT", expr("x", stranger.get_endpoint("http").port))
    problems = problems_of(b)
    assert any("with_reference('stranger')" in p and "not in this app model" in p for p in problems)
    assert any("env URL" in p and "'stranger'" in p for p in problems)
    assert any("env BUILT" in p and "'stranger'" in p for p in problems)


def test_reference_to_missing_endpoint(tmp_path):
    b = new_builder(tmp_path)
    api = b.add_executable("api", "python", ".").with_http_endpoint()
    b.add_executable("web", "python", ".").with_env("U", api.get_endpoint("grpc"))
    (problem,) = problems_of(b)
    assert "resource 'web', env U" in problem and "no endpoint 'grpc'" in problem


def test_reference_to_resource_without_endpoints(tmp_path):
    b = new_builder(tmp_path)
    plain = b.add_executable("plain", "python", ".")
    b.add_executable("web", "python", ".").with_reference(plain)
    (problem,) = problems_of(b)
    assert "resource 'web', with_reference('plain')" in problem


@pytest.mark.parametrize("count", [0, -1])
def test_replicas_below_one(tmp_path, count):
    b = new_builder(tmp_path)
    b.add_executable("api", "python", ".").with_replicas(count)
    assert any("resource 'api', replicas" in p for p in problems_of(b))


def test_ports_out_of_range(tmp_path):
    b = new_builder(tmp_path)
    b.add_executable("api", "python", ".").with_http_endpoint(port=70000)
    assert any("endpoint 'http' port: 70000 is not a port" in p for p in problems_of(b))


def test_all_problems_are_reported_together(tmp_path):
    b = new_builder(tmp_path)
    b.add_executable("Bad", "python", ".").with_replicas(0)
    b.add_executable("api", "python", ".").with_http_endpoint(port=1, target_port=1)
    error = pytest.raises(ModelError, b.build).value
    assert len(error.problems) == 3
    assert "3 problems" in str(error)


def test_bad_value_types_are_reported_by_build_at_the_line_of_the_call(tmp_path):
    b = new_builder(tmp_path)
    api = b.add_executable("api", "python", ".")
    api.with_env("X", object())  # the builder records the mistake and carries on
    (problem,) = problems_of(b)
    assert problem.endswith("resource 'api', with_env('X'): an object is not a value; pass a string, a number, "
                            "a parameter, a connection string, an endpoint reference or part, or a ReferenceExpression")
    assert problem.startswith(f"{os.path.relpath(__file__)}:")


def test_wait_cycle_is_listed(tmp_path):
    b = new_builder(tmp_path)
    a = b.add_executable("a", "python", ".")
    bb = b.add_executable("b", "python", ".").wait_for(a)
    c = b.add_executable("c", "python", ".").wait_for_completion(bb)
    a.wait_for_start(c)
    b.add_executable("d", "python", ".").wait_for(a)
    (problem,) = problems_of(b)
    assert "the waits form a cycle: a → c → b → a" in problem


def test_waiting_for_itself_or_a_stranger(tmp_path):
    stranger = new_builder(tmp_path).add_executable("x", "python", ".")
    b = new_builder(tmp_path)
    me = b.add_executable("me", "python", ".").wait_for(stranger)
    me.wait_for(me)
    problems = problems_of(b)
    assert any("wait_for('x')" in p and "not in this app model" in p for p in problems)
    assert any("wait_for('me')" in p and "cannot wait for itself" in p for p in problems)


def test_health_check_and_command_rules(tmp_path):
    b = new_builder(tmp_path)
    b.add_executable("noweb", "python", ".").with_http_health_check()
    b.add_executable("web", "python", ".").with_http_endpoint().with_tcp_health_check("grpc")
    b.add_executable("cmd", "python", ".").with_command("stop", "Stop", lambda ctx: None).with_ready_log_line(
        "("
    )
    problems = problems_of(b)
    assert any(
        "resource 'noweb', health check 'http/'" in p and "no http/https endpoint" in p for p in problems
    )
    assert any("resource 'web', health check 'tcp-grpc'" in p for p in problems)
    assert any("resource 'cmd', command 'stop': is a built-in" in p for p in problems)
    assert any("resource 'cmd', health check 'log:('" in p and "not a valid regex" in p for p in problems)
