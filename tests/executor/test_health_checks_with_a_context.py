"""A custom health check may take one argument, its ``HealthCheckContext``: through
``ctx.resolve`` it reaches the live endpoint and the secret parameter a real connection needs;
an error quoting the secret is masked everywhere pyspire shows it. ``build()`` accepts such a
check and refuses one that needs more arguments than pyspire passes."""

from __future__ import annotations

import asyncio
import functools

import httpx
import pytest

from pyspire import DistributedApplication, ModelError, testing
from pyspire.executor.snapshots import ResourceSnapshot
from pyspire.extensions import HealthCheckContext
from tests.conftest import APPS, PYTHON

PASSWORD = "s3cret-Pa55word-42"


def app_with_check(tmp_path, make_check):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    password = b.add_parameter("db-password", value=PASSWORD, secret=True)
    api = b.add_executable("api", PYTHON, APPS, "http_env.py").with_http_endpoint(env="PORT")
    api.with_env("DB_PASSWORD", password).with_health_check(make_check(api.get_endpoint("http"), password), name="login")
    return b


async def test_a_check_resolving_an_endpoint_and_a_secret_through_its_context_becomes_healthy(tmp_path):
    seen: list[tuple[str, str]] = []

    def make_check(endpoint, password):
        async def login(ctx: HealthCheckContext) -> bool:
            url, secret = await ctx.resolve(endpoint.url), await ctx.resolve(password)
            seen.append((ctx.resource.name, secret))
            async with httpx.AsyncClient() as client:
                served = (await client.get(url + "/env")).json()["env"]
            return served["DB_PASSWORD"] == secret  # the same value the process received

        return login

    async with testing.start(app_with_check(tmp_path, make_check)) as app:
        healthy = await app.wait_for_healthy("api")
    assert [r.name for r in healthy.health_reports] == ["login"]
    assert seen[0] == ("api", PASSWORD)


async def test_a_check_error_quoting_the_secret_is_masked_in_the_snapshot_and_describe(tmp_path):
    def make_check(endpoint, password):
        async def login(ctx: HealthCheckContext) -> None:
            raise RuntimeError(f"password authentication failed for {await ctx.resolve(password)!r}")

        return login

    async with testing.start(app_with_check(tmp_path, make_check)) as app:
        snapshot = await asyncio.wait_for(first_with_error(app, "api"), 15)
        assert "password authentication failed for '***" in snapshot.health_reports[0].last_error
        async with app.api_client() as client:
            described = (await client.get("/v1/resources/api")).text
        assert "password authentication failed" in described
        assert PASSWORD not in described
        assert PASSWORD not in repr(app.resource("api"))
        assert PASSWORD not in app.log_text("api")


async def first_with_error(app: testing.AppHandle, name: str) -> ResourceSnapshot:
    async for snapshot in app.executor.snapshots.watch():
        if snapshot.name == name and snapshot.health_reports and snapshot.health_reports[0].last_error:
            return snapshot
    raise AssertionError("snapshot stream ended")


async def _probe(url: str, ctx: HealthCheckContext) -> bool:
    return bool(await ctx.resolve(url))


def test_build_accepts_a_check_of_its_context_a_partial_of_one_and_one_with_defaults(tmp_path):
    async def plain() -> bool:
        return True

    async def with_defaults(timeout: float = 2.0) -> bool:
        return True

    async def with_context(ctx: HealthCheckContext) -> bool:
        return True

    b = DistributedApplication.create_builder(app_dir=tmp_path)
    for i, check in enumerate((plain, with_defaults, with_context, functools.partial(_probe, "http://x"))):
        b.add_executable(f"svc{i}", PYTHON, ".").with_health_check(check)
    b.build()


def test_build_refuses_a_check_that_needs_two_arguments_naming_the_fix(tmp_path):
    async def login(ctx: HealthCheckContext, user: str) -> bool:
        return True

    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("api", PYTHON, ".").with_health_check(login)
    with pytest.raises(ModelError) as refused:
        b.build()
    [problem] = refused.value.problems
    assert (problem.resource, problem.field) == ("api", "health check 'login'")
    assert "needs 2 arguments (ctx, user)" in problem.message
    assert "functools.partial" in problem.message and "async def check(ctx)" in problem.message
    assert problem.locations


async def test_a_check_whose_parameters_have_defaults_is_called_without_a_context(tmp_path):
    calls: list[float] = []

    async def ping(timeout: float = 2.0) -> bool:
        calls.append(timeout)
        return True

    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("api", PYTHON, APPS, "http_env.py").with_http_endpoint(env="PORT").with_health_check(ping)
    async with testing.start(b) as app:
        await app.wait_for_healthy("api")
    assert calls[0] == 2.0
