"""The app the telemetry pages' browser tests run: two services instrumented with the real
OpenTelemetry SDK (tests/apps/otel_service.py), configured only by the exporter variables pyspire
gives them. A request to ``front``'s /work calls ``back``'s, so each request is one trace across
two resources (front's server span, its client span, back's server span), with a "did work" log
record in each service tied to it and metrics (``service.up``, ``work.requests``) from both."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.async_api import Browser, Page

from pyspire import DistributedApplication, testing
from pyspire.app import DistributedApplicationBuilder
from tests.conftest import APPS, PYTHON
from tests.dashboard.conftest import logged_in_page


def traced_app(app_dir: Path) -> DistributedApplicationBuilder:
    builder = DistributedApplication.create_builder(app_dir=app_dir)
    back = builder.add_executable("back", PYTHON, APPS, "otel_service.py").with_http_endpoint(env="PORT")
    (
        builder.add_executable("front", PYTHON, APPS, "otel_service.py")
        .with_http_endpoint(env="PORT")
        .with_env("DOWNSTREAM", back.get_endpoint("http"))
    )
    return builder


async def wait_until_serving(app: testing.AppHandle) -> None:
    # Importing the SDK and grpc takes a few seconds on a busy 2-core machine.
    await app.wait_for_log("back", "listening", timeout=60)
    await app.wait_for_log("front", "listening", timeout=60)


async def make_trace(app: testing.AppHandle) -> str:
    """One request through front and back; the trace id front's server span got."""
    async with httpx.AsyncClient() as client:
        response = await client.get(app.endpoint_url("front") + "/work", timeout=10)
        response.raise_for_status()
        trace_id: str = response.json()["trace_id"]
        return trace_id


async def open_page(app: testing.AppHandle, browser: Browser, route: str) -> Page:
    """A logged-in page at ``#/<route>``."""
    page = await logged_in_page(app, browser)
    await page.goto(page.url.split("#")[0] + f"#/{route}")
    return page
