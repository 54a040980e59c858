"""Every problem points at the user's line, is reported once, and a wrong call leaves no trace in
the model (build() reports it; nothing half-recorded reaches the executor)."""

from __future__ import annotations

import inspect
import os
from pathlib import Path

import pytest

from pyspire import DistributedApplication, ModelError, expr


def problems_of(builder) -> list:
    with pytest.raises(ModelError) as caught:
        builder.build()
    return caught.value.problems


def here() -> int:
    """The line of the caller: where a test expects a problem to point."""
    frame = inspect.currentframe()
    assert frame is not None and frame.f_back is not None
    return frame.f_back.f_lineno


def test_a_wrong_call_is_reported_at_its_line_in_the_users_file(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    api = b.add_executable("api", "python", ".")
    api.with_replicas("3"); line = here()  # noqa: E702 - the call and its line number together
    (problem,) = problems_of(b)
    assert [(Path(s.filename), s.lineno) for s in problem.locations] == [(Path(__file__), line)]
    assert str(problem) == (
        f"{os.path.relpath(__file__)}:{line}: resource 'api', with_replicas: "
        "'3' is not a whole number; pass an int, e.g. with_replicas(3)"
    )


def add_api_with_mistake(b):
    """Like an integration or a helper module: the line that matters is in here, not in pyspire."""
    return b.add_executable("api", "python", ".").with_stop_grace_period("soon")


def test_a_mistake_made_in_a_helper_points_at_the_helpers_line(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    add_api_with_mistake(b)
    (problem,) = problems_of(b)
    helper_line = inspect.getsourcelines(add_api_with_mistake)[1] + 2
    assert problem.locations[0].lineno == helper_line


def test_a_validation_problem_points_at_the_call_that_recorded_the_value(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("api", "python", ".").with_http_endpoint(port=70000); line = here()  # noqa: E702
    (problem,) = problems_of(b)
    assert problem.field == "endpoint 'http' port" and problem.locations[0].lineno == line


def test_a_rejected_call_records_nothing(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    api = b.add_executable("api", "python", ".").with_replicas(2).with_replicas("3").with_env("X", None)
    assert api.resource.replicas == 2
    assert [type(a).__name__ for a in api.resource.annotations].count("EnvironmentAnnotation") == 0
    assert len(problems_of(b)) == 2


def test_one_misspelt_endpoint_used_many_times_is_one_problem_naming_what_exists(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    api = b.add_executable("api", "python", ".").with_http_endpoint().with_endpoint("tcp")
    wrong = api.get_endpoint("tpc")
    web = b.add_executable("web", "python", ".")
    web.with_env("URL", wrong); first = here()  # noqa: E702
    web.with_env("ADDR", expr(wrong.host, ":", wrong.port)); second = here()  # noqa: E702
    (problem,) = problems_of(b)
    assert problem.resource == "web" and problem.field == "env URL, env ADDR"
    assert problem.message == "'api' has no endpoint 'tpc' (did you mean 'tcp'? its endpoints: 'http', 'tcp')"
    assert [s.lineno for s in problem.locations] == [first, second]


def test_the_same_mistake_on_one_line_is_reported_once(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    api = b.add_executable("api", "python", ".")
    for _ in range(3):
        api.with_log_buffer("many")
    (problem,) = problems_of(b)
    assert len(problem.locations) == 1


def test_a_resource_whose_add_call_is_wrong_is_reported_for_that_call_only(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_container("cache", None).with_http_endpoint()  # no target_port: would be a second problem
    (problem,) = problems_of(b)
    assert (problem.resource, problem.field) == ("cache", "add_container image")
