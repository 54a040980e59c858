"""`wait_for(x)` on a step with no health check and no endpoint is satisfied as soon as x starts:
build() warns at that line, with both fixes, and stays quiet where the wait means what it says."""

from __future__ import annotations

import functools
import inspect
import warnings
from pathlib import Path

import pytest

from pyspire import DistributedApplication, ModelWarning


def warnings_of(builder) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        builder.build()
    return [w for w in caught if issubclass(w.category, ModelWarning)]


def test_wait_for_on_a_step_without_health_or_endpoint_warns_at_the_wait_with_both_fixes(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    migrate = b.add_executable("db-migrate", "python", ".", "migrate.py")
    api = b.add_executable("api", "python", ".")
    api.wait_for(migrate); line = inspect.currentframe().f_lineno  # noqa: E702 - the call and its line
    (warning,) = warnings_of(b)
    assert (Path(warning.filename), warning.lineno) == (Path(__file__), line)
    message = str(warning.message)
    assert message.startswith("resource 'api', wait_for('db-migrate'): 'db-migrate' has no health check and no endpoint")
    assert "use wait_for_completion(db_migrate)" in message
    assert "give it a health check (with_ready_log_line, with_health_check)" in message


def test_the_warning_can_be_made_an_error_like_any_warning(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("api", "python", ".").wait_for(b.add_executable("job", "python", "."))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelWarning)
        with pytest.raises(ModelWarning):
            b.build()


async def ready() -> bool:
    return True


@pytest.mark.parametrize(
    "target_with",
    [
        lambda r: r.with_http_endpoint(),
        lambda r: r.with_ready_log_line("ready"),
        lambda r: r.with_health_check(functools.partial(ready)),
    ],
    ids=["an endpoint", "a ready log line", "a custom check"],
)
def test_no_warning_when_the_target_can_report_readiness(tmp_path, target_with):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    target = target_with(b.add_executable("dep", "python", "."))
    b.add_executable("api", "python", ".").wait_for(target)
    assert warnings_of(b) == []


def test_no_warning_for_waits_that_say_what_they_mean(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    job = b.add_executable("job", "python", ".")
    b.add_executable("api", "python", ".").wait_for_completion(job).wait_for_start(job)
    assert warnings_of(b) == []
