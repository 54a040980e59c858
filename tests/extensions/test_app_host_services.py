"""App host services (``APP_HOST_SERVICES``): what telemetry and the dashboard are built on.

A service's routes answer on the control API behind its token, its variables reach every
replica, it starts before the first resource and stops after the last, in reverse order, and a
caller can turn it off by name."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from pyspire import DistributedApplication, testing
from pyspire.extensions import (
    APP_HOST_SERVICES,
    AppHostServiceContext,
    AppHostSetup,
    ConfigurationError,
    TelemetryEnv,
)
from pyspire.model import Resource

PRINT_ENV = "import os, time; print('GREETING=' + os.environ.get('GREETING', '-'), flush=True); time.sleep(60)"


class Recorder:
    """A service that says what happened to it, in order, in a shared journal."""

    def __init__(self, name: str, setup: AppHostSetup, journal: list[str]) -> None:
        self.name = name
        self.setup = setup
        self.journal = journal

    def routes(self) -> Sequence[BaseRoute]:
        async def hello(request: Request) -> JSONResponse:
            return JSONResponse({"service": self.name, "run": self.setup.run_id})

        return [Route(f"/v1/{self.name}/hello", hello, methods=["GET"])]

    def telemetry_env(self) -> TelemetryEnv | None:
        def env(resource: Resource, suffix: str) -> Mapping[str, str]:
            return {"GREETING": f"from-{self.name}-to-{resource.name}"}

        return env

    async def start(self, context: AppHostServiceContext) -> None:
        self.journal.append(f"start {self.name}")
        context.announce(f"{self.name} is here")
        context.urls[self.name] = "http://example.invalid"

    async def stop(self) -> None:
        self.journal.append(f"stop {self.name}")


async def test_a_service_serves_routes_behind_the_token_gives_env_and_starts_and_stops_in_order(tmp_path):
    journal: list[str] = []
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    builder.add_executable("echo", sys.executable, ".", "-c", PRINT_ENV)
    with APP_HOST_SERVICES.registered(lambda s: Recorder("first", s, journal)), APP_HOST_SERVICES.registered(
        lambda s: Recorder("second", s, journal)
    ):
        async with testing.start(builder) as app:
            await app.wait_for_resource("echo")
            assert journal == ["start first", "start second"], "started in registration order"
            assert app.running.announcements == ("first is here", "second is here")
            async with app.api_client() as client:
                answer = (await client.get("/v1/first/hello")).json()
                info = (await client.get("/v1/info")).json()
            assert answer["service"] == "first"
            assert answer["run"] == info["run_id"], "the setup carries the run id"
            assert info["urls"]["second"] == "http://example.invalid"
            async with httpx.AsyncClient(base_url=app.api.url) as anonymous:
                assert (await anonymous.get("/v1/first/hello")).status_code == 401, "routes are behind the token"
            await app.wait_for_log("echo", "GREETING=from-second-to-echo")  # the later service wins
    assert journal == ["start first", "start second", "stop second", "stop first"]


async def test_a_service_turned_off_by_name_does_not_start(tmp_path):
    journal: list[str] = []
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    with APP_HOST_SERVICES.registered(lambda s: Recorder("dashboard", s, journal)):
        async with testing.start(builder):  # the harness turns the dashboard off
            pass
        async with testing.start(builder, dashboard=True):
            pass
    assert journal == ["start dashboard", "stop dashboard"]


async def test_a_service_that_refuses_its_settings_stops_the_run_before_anything_starts(tmp_path):
    class BadSetting(ConfigurationError):
        pass

    def refuse(setup: AppHostSetup) -> None:
        raise BadSetting("PYSPIRE_EXAMPLE='x' is not a number; set e.g. 5")

    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    marker = tmp_path / "started"
    builder.add_executable("touch", sys.executable, ".", "-c", f"open({str(marker)!r}, 'w')")
    with APP_HOST_SERVICES.registered(refuse):
        try:
            async with testing.start(builder):
                raise AssertionError("the run started")
        except BadSetting as exc:
            assert "PYSPIRE_EXAMPLE" in str(exc)
    assert not marker.exists(), "no resource started"
