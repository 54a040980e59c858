"""What may be referenced is decided by capability, not class: a connection string or endpoints.
Mistakes in a connection string are reported by ``build()`` like mistakes in the environment."""

from __future__ import annotations

import pytest

import pyspire
import pyspire.extensions
import pyspire.model
from pyspire import DistributedApplication, expr
from pyspire.model.capabilities import can_be_referenced, connection_string_of
from tests.model.model_problems import problems_of


def test_a_runnable_with_a_connection_string_has_the_capability(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    worker = b.add_executable("worker", "python", ".")
    assert connection_string_of(worker.resource) is None and not can_be_referenced(worker.resource)
    worker.with_connection_string("amqp://guest@localhost:5672")
    assert connection_string_of(worker.resource) is not None and can_be_referenced(worker.resource)
    b.add_executable("web", "python", ".").with_reference(worker)
    b.build()


def test_a_misspelt_endpoint_in_a_connection_string_is_reported_at_build(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    cache = b.add_container("cache", "redis").with_endpoint("tcp", target_port=6379)
    cache.with_connection_string(expr("redis://", cache.get_endpoint("tpc").host))
    (problem,) = problems_of(b)
    assert "resource 'cache', with_connection_string" in problem and "no endpoint 'tpc'" in problem


def test_a_connection_string_that_is_not_a_value_is_refused(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("worker", "python", ".").with_connection_string({"host": "x"})
    (problem,) = problems_of(b)
    assert "resource 'worker', with_connection_string" in problem and "is not a value" in problem


def test_referencing_a_parameter_says_to_pass_it_as_a_value(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    region = b.add_parameter("aws-region", value="eu-west-1")
    b.add_executable("web", "python", ".").with_reference(region)
    (problem,) = problems_of(b)
    assert "resource 'web', with_reference('aws-region')" in problem
    assert "with_env('AWS_REGION', aws_region)" in problem


@pytest.mark.parametrize(
    "name",
    ["ResourceWithConnectionString", "ResourceWithEndpoints", "ResourceWithEnvironment", "ResourceWithWaitSupport"],
)
def test_the_capability_protocols_are_public_where_users_and_integrations_import(name):
    assert getattr(pyspire, name) is getattr(pyspire.model, name) is getattr(pyspire.extensions, name)
    assert name in pyspire.__all__ and name in pyspire.model.__all__ and name in pyspire.extensions.__all__


def test_every_name_the_extension_api_exports_resolves():
    for name in pyspire.extensions.__all__:
        assert getattr(pyspire.extensions, name) is not None, name


def test_each_built_in_kind_has_the_capabilities_aspire_gives_it(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    api = b.add_executable("api", "python", ".").with_http_endpoint().resource
    cache = b.add_container("cache", "redis").resource
    db = b.add_connection_string("db").resource
    region = b.add_parameter("region", value="x").resource
    for runnable in (api, cache):
        assert isinstance(runnable, pyspire.ResourceWithEnvironment)
        assert isinstance(runnable, pyspire.ResourceWithWaitSupport)
        assert isinstance(runnable, pyspire.ResourceWithEndpoints)
    assert connection_string_of(db) is db, "an external connection string is its own value"
    for value in (db, region):
        assert not isinstance(value, pyspire.ResourceWithEnvironment | pyspire.ResourceWithWaitSupport)
    assert connection_string_of(region) is None and not can_be_referenced(region)
