"""The dashboard's ``/api`` forwarder: the page's only way to the control API.

What a user relies on: a watch or a followed log reaches the open page the moment the app host
sends it (no buffering); a page that reloads or closes leaves no stream behind on the app host;
stopping the app host does not wait for open tabs; only the dashboard's own page can change
anything (Origin), and only at the dashboard's own address (Host); the page gets the usual
security headers and caches what it may."""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import sys
import time
from collections.abc import AsyncIterator, Sequence

import httpx
from playwright.async_api import Browser
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import BaseRoute, Route

from pyspire import DistributedApplication, testing
from pyspire.extensions import APP_HOST_SERVICES, AppHostServiceContext, TelemetryEnv
from pyspire.testing import AppHandle
from tests.dashboard.conftest import fresh_login_url, logged_in_page, login_url

TICKER = "import time\nfor i in range(100000):\n print('tick', i, flush=True); time.sleep(0.05)"


class Probe:
    """A control-API route that streams an event when the test says so, and counts open streams
    (each stream beats every 50 ms, so a stream nobody reads any more ends at its next beat)."""

    name = "probe"

    def __init__(self) -> None:
        self.open = 0
        self.opened = 0
        self.events: asyncio.Queue[int] = asyncio.Queue()
        self.sent_at: dict[int, float] = {}

    def routes(self) -> Sequence[BaseRoute]:
        async def events(request: Request) -> StreamingResponse:
            async def stream() -> AsyncIterator[str]:
                self.open += 1
                self.opened += 1
                try:
                    yield ": open\n\n"
                    while True:
                        try:
                            n = await asyncio.wait_for(self.events.get(), 0.05)
                        except TimeoutError:
                            yield ": beat\n\n"
                            continue
                        self.sent_at[n] = time.perf_counter()
                        yield f"event: tick\ndata: {n}\n\n"
                finally:
                    self.open -= 1

            return StreamingResponse(stream(), media_type="text/event-stream")

        return [Route("/v1/probe/events", events, methods=["GET"])]

    def telemetry_env(self) -> TelemetryEnv | None:
        return None

    async def start(self, context: AppHostServiceContext) -> None:
        pass

    async def stop(self) -> None:
        pass


def ticker_app(tmp_path) -> DistributedApplication:
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    builder.add_executable("ticker", sys.executable, ".", "-c", TICKER)
    return builder.build()


@contextlib.asynccontextmanager
async def session(app: AppHandle) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the dashboard holding a session (logged in with the printed link)."""
    link = await fresh_login_url(app)
    async with httpx.AsyncClient(base_url=link.split("/login")[0], timeout=httpx.Timeout(10, read=None)) as client:
        answer = await client.get(link)
        assert answer.status_code == 303 and "pyspire_session" in client.cookies
        yield client


async def until(condition, timeout: float = 10) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


async def test_an_event_reaches_the_page_within_milliseconds_while_the_stream_stays_open(tmp_path):
    probe = Probe()
    with APP_HOST_SERVICES.registered(lambda setup: probe):
        async with testing.start(ticker_app(tmp_path), dashboard=True) as app:
            async with session(app) as client, client.stream("GET", "/api/v1/probe/events") as response:
                assert response.status_code == 200
                assert response.headers["content-type"].startswith("text/event-stream")
                lines = response.aiter_lines()
                latencies = []
                for n in range(20):
                    await probe.events.put(n)
                    async with asyncio.timeout(5):  # a buffering forwarder never delivers it
                        while await anext(lines) != f"data: {n}":
                            pass
                    latencies.append((time.perf_counter() - probe.sent_at[n]) * 1000)
    median = statistics.median(latencies)
    print(f"forwarded SSE event latency: median {median:.2f} ms, max {max(latencies):.2f} ms")
    assert median < 50, f"events arrive late through the forwarder: {latencies}"


async def test_a_page_that_reloads_or_closes_leaves_no_stream_on_the_app_host(tmp_path, browser: Browser):
    probe = Probe()
    with APP_HOST_SERVICES.registered(lambda setup: probe):
        async with testing.start(ticker_app(tmp_path), dashboard=True) as app:
            page = await logged_in_page(app, browser)
            for reload in range(5):
                await page.evaluate(
                    "new Promise(ok => { window.source = new EventSource('./api/v1/probe/events');"
                    " window.source.onopen = ok; })"
                )
                assert probe.opened == reload + 1
                await page.reload()
                await until(lambda: probe.open == 0)  # the reload closed the stream, upstream too
            await page.evaluate(
                "new Promise(ok => { window.source = new EventSource('./api/v1/probe/events');"
                " window.source.onopen = ok; })"
            )
            await until(lambda: probe.open == 1)
            await page.close()
            await until(lambda: probe.open == 0)


async def test_resource_watches_and_followed_logs_stream_through_to_the_page(tmp_path, browser: Browser):
    async with testing.start(ticker_app(tmp_path), dashboard=True) as app:
        await app.wait_for_resource("ticker")
        page = await logged_in_page(app, browser)
        snapshot = await page.evaluate(
            "new Promise(ok => { const s = new EventSource('./api/v1/resources?watch=1');"
            " s.addEventListener('snapshot', e => { s.close(); ok(JSON.parse(e.data)); }); })"
        )
        assert snapshot["name"] == "ticker"
        async with session(app) as client, client.stream(
            "GET", "/api/v1/resources/ticker/logs", params={"format": "ndjson", "follow": "1", "tail": "0"}
        ) as response:
            lines = response.aiter_lines()
            async with asyncio.timeout(5):
                first = json.loads(await anext(lines))
                second = json.loads(await anext(lines))
            assert first["text"].startswith("tick") and second["text"].startswith("tick")
            assert first["text"] != second["text"], "new lines as the resource prints them"


async def test_stopping_the_app_host_ends_streams_the_page_holds_open(tmp_path):
    client = httpx.AsyncClient(timeout=httpx.Timeout(10, read=None))
    async with testing.start(ticker_app(tmp_path), dashboard=True) as app:
        link = login_url(app)
        await client.get(link)
        client.base_url = link.split("/login")[0]
        streaming, ended = asyncio.Event(), asyncio.Event()
        outcome: list[str] = []

        async def watch() -> None:
            try:
                async with client.stream("GET", "/api/v1/resources", params={"watch": "1"}) as response:
                    async for line in response.aiter_lines():
                        if line.startswith("event:"):
                            streaming.set()
                outcome.append("ended")
            except httpx.HTTPError as exc:
                outcome.append(f"failed: {exc!r}")
            ended.set()

        watcher = asyncio.create_task(watch())
        async with asyncio.timeout(10):
            await streaming.wait()  # the page holds a live stream through the forwarder
        started = time.monotonic()
    stopped_in = time.monotonic() - started
    async with asyncio.timeout(5):
        await ended.wait()
    await watcher
    await client.aclose()
    assert stopped_in < 5, f"the app host took {stopped_in:.1f} s to stop with a forwarded stream open"
    assert outcome, "the stream ended"


async def test_only_the_dashboards_own_page_can_change_anything(tmp_path):
    async with testing.start(ticker_app(tmp_path), dashboard=True) as app:
        await app.wait_for_resource("ticker")
        async with session(app) as client:
            own = str(client.base_url).rstrip("/")
            path = "/api/v1/resources/ticker/commands/restart"
            missing = await client.post(path)
            assert missing.status_code == 403 and own in missing.json()["message"]
            forged = await client.post(path, headers={"Origin": "http://evil.example"})
            assert forged.status_code == 403
            done = await client.post(path, headers={"Origin": own})
            assert done.status_code == 200 and done.json()["success"] is True
            # Reading needs no Origin (EventSource and fetch GETs of the page send none).
            assert (await client.get("/api/v1/resources")).status_code == 200
            # Another name for 127.0.0.1 (DNS rebinding) is refused before any session check.
            rebound = await client.get("/api/v1/resources", headers={"Host": "evil.example:80"})
            assert rebound.status_code == 421
            assert (await client.request("PATCH", "/api/v1/resources", headers={"Origin": own})).status_code == 405


async def test_the_page_gets_security_headers_and_hashed_assets_are_cached_for_good(tmp_path):
    async with testing.start(ticker_app(tmp_path), dashboard=True) as app:
        async with session(app) as client:
            index = await client.get("/")
            assert index.status_code == 200 and "text/html" in index.headers["content-type"]
            assert index.headers["cache-control"] == "no-cache"
            assert "default-src 'self'" in index.headers["content-security-policy"]
            assert index.headers["x-frame-options"] == "DENY"
            assert index.headers["referrer-policy"] == "no-referrer"
            asset = index.text.split('src="./assets/')[1].split('"')[0]
            script = await client.get(f"/assets/{asset}")
            assert script.status_code == 200 and "javascript" in script.headers["content-type"]
            assert "immutable" in script.headers["cache-control"]
            assert (await client.get("/assets/..%2Findex.html")).status_code == 404
            assert (await client.get("/assets/missing-123.js")).status_code == 404
            api = await client.get("/api/v1/info")
            assert api.headers["cache-control"] == "no-store"
            assert app.api.token not in api.text, "the control API's token never reaches the page"
