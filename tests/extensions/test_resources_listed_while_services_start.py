"""The control API serves while the app host services start (the OTLP receiver takes a moment:
it imports gRPC), before any resource starts. A client asking then — ``pyspire start`` waiting
until everything is up — must see every resource, not yet started, never an empty app that
looks all up."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import httpx
from starlette.routing import BaseRoute

from pyspire import DistributedApplication, testing
from pyspire.extensions import APP_HOST_SERVICES, AppHostServiceContext, AppHostSetup, TelemetryEnv


class AsksTheApiAtStart:
    name = "asker"

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def routes(self) -> Sequence[BaseRoute]:
        return []

    def telemetry_env(self) -> TelemetryEnv | None:
        return None

    async def start(self, context: AppHostServiceContext) -> None:
        headers = {"authorization": f"Bearer {context.api_token}"}
        async with httpx.AsyncClient(base_url=context.api_url, headers=headers) as client:
            answer = (await client.get("/v1/resources")).json()
        self.seen = [(r["name"], r["state"]) for r in answer["resources"]]

    async def stop(self) -> None:
        pass


async def test_while_services_start_the_api_lists_every_resource_as_not_started(tmp_path):
    asker = AsksTheApiAtStart()

    def factory(setup: AppHostSetup) -> AsksTheApiAtStart:
        return asker

    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("api", sys.executable, ".", "-c", "import time; time.sleep(60)")
    b.add_parameter("greeting", "hi")
    with APP_HOST_SERVICES.registered(factory):
        async with testing.start(b) as app:
            await app.wait_for_resource("api")
    assert sorted(asker.seen) == [("api", "NotStarted"), ("greeting", "NotStarted")]
