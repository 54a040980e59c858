"""The proxy thread's tuned event loop must behave like the stock asyncio loop."""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
from collections.abc import Iterator

import pytest

from pyspire.proxy.loop import ProxyEventLoop, new_proxy_loop


@pytest.fixture
def loop_thread() -> Iterator[asyncio.AbstractEventLoop]:
    loop = new_proxy_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def test_threadsafe_callbacks_run_before_later_io(loop_thread: asyncio.AbstractEventLoop) -> None:
    """``set_backends`` then a datagram: the backends must be in place when the datagram is handled."""
    a, b = socket.socketpair()
    b.setblocking(False)
    order: list[str] = []
    done = threading.Event()

    def on_readable() -> None:
        b.recv(16)
        order.append("io")
        done.set()

    loop_thread.call_soon_threadsafe(loop_thread.add_reader, b.fileno(), on_readable)
    try:
        for _ in range(300):
            done.clear()
            order.clear()
            loop_thread.call_soon_threadsafe(order.append, "callback")
            a.send(b"x")
            assert done.wait(5)
            assert order == ["callback", "io"]
    finally:
        loop_thread.call_soon_threadsafe(loop_thread.remove_reader, b.fileno())
        a.close()
        b.close()


@pytest.mark.skipif(sys.platform != "linux", reason="the tuned loop needs epoll")
def test_linux_gets_the_tuned_loop(loop_thread: asyncio.AbstractEventLoop) -> None:
    assert isinstance(loop_thread, ProxyEventLoop)


def test_callback_errors_reach_the_exception_handler(loop_thread: asyncio.AbstractEventLoop) -> None:
    a, b = socket.socketpair()
    caught: list[BaseException] = []
    seen = threading.Event()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, object]) -> None:
        exc = context.get("exception")
        assert isinstance(exc, BaseException)
        caught.append(exc)
        loop.remove_reader(b.fileno())
        seen.set()

    def broken() -> None:
        raise ValueError("boom")

    loop_thread.call_soon_threadsafe(loop_thread.set_exception_handler, handler)
    loop_thread.call_soon_threadsafe(loop_thread.add_reader, b.fileno(), broken)
    a.send(b"x")
    assert seen.wait(5)
    assert isinstance(caught[0], ValueError)
    a.close()
    b.close()


def test_timers_executor_and_tasks_work(loop_thread: asyncio.AbstractEventLoop) -> None:
    async def scenario() -> list[str]:
        seen: list[str] = []
        loop = asyncio.get_running_loop()
        fired = loop.create_future()
        loop.call_later(0.01, fired.set_result, None)
        await fired
        seen.append("timer")
        seen.append(await loop.run_in_executor(None, lambda: "executor"))
        seen.append(await asyncio.wait_for(asyncio.sleep(0.01, "sleep"), 1))
        return seen

    result = asyncio.run_coroutine_threadsafe(scenario(), loop_thread).result(5)
    assert result == ["timer", "executor", "sleep"]
    asyncio.run_coroutine_threadsafe(loop_thread.shutdown_default_executor(), loop_thread).result(5)
