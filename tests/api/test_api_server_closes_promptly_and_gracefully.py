"""Closing the control API: with no client connected it stops listening at once (no connection
can reach it afterwards); a request still in flight gets its response first — the app host's
shutdown never cuts off an answer it already started."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from pyspire.api.server import ApiServer


def slow_app(started: asyncio.Event, release: asyncio.Event) -> Starlette:
    async def slow(request: Request) -> PlainTextResponse:
        started.set()
        await release.wait()
        return PlainTextResponse("finished")

    async def fast(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/slow", slow), Route("/", fast)])


async def test_an_idle_server_stops_listening_when_closed():
    server = ApiServer(slow_app(asyncio.Event(), asyncio.Event()))
    await server.start()
    async with httpx.AsyncClient(base_url=server.url, timeout=5) as client:
        assert (await client.get("/", headers={"connection": "close"})).text == "ok"
    await asyncio.wait_for(server.close(), 5)
    async with httpx.AsyncClient(base_url=server.url, timeout=5) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("/")


async def test_a_request_in_flight_when_the_server_closes_still_gets_its_response():
    started, release = asyncio.Event(), asyncio.Event()
    server = ApiServer(slow_app(started, release))
    await server.start()
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        request = asyncio.create_task(client.get("/slow"))
        await asyncio.wait_for(started.wait(), 5)
        closing = asyncio.create_task(server.close())
        await asyncio.sleep(0)  # the close has begun while the response is still owed
        assert not closing.done()
        release.set()
        response = await asyncio.wait_for(request, 5)
        await asyncio.wait_for(closing, 10)
    assert response.status_code == 200 and response.text == "finished"


async def test_a_connection_left_broken_by_a_short_response_does_not_stop_the_server_from_closing():
    """An application that declares more bytes than it sends leaves h11's connection in its
    ERROR state (the dashboard's forwarder cut a fixed-length response short when it stopped);
    closing the server must still close that connection and finish, not raise from h11."""
    answered = asyncio.Event()

    async def short_body(scope, receive, send):  # type: ignore[no-untyped-def]
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"10")]})
        try:
            await send({"type": "http.response.body", "body": b"12345", "more_body": False})
        except Exception:
            pass  # h11: too little data for the declared Content-Length
        answered.set()

    server = ApiServer(short_body)
    await server.start()
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
    await writer.drain()
    await asyncio.wait_for(answered.wait(), 5)
    await asyncio.wait_for(server.close(), 5)
    answer = await asyncio.wait_for(reader.read(), 5)  # returns at EOF: the server closed it
    assert answer.startswith(b"HTTP/1.1 200")
    writer.close()
