"""ProxyHub: every proxy of one app host, served by one dedicated thread running its own event loop.

Forwarding sits on the hot path of every request, so it must not wait behind the app host's own
work (log capture, resource controllers) on the app host's loop. The hub's thread only forwards;
the public methods are the thread boundary: coroutines are shipped over with
``run_coroutine_threadsafe`` and awaited with ``wrap_future``, and ``set_backends`` only schedules
a callback, so callers on any thread or loop never block on the proxy thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import socket
import threading
from collections.abc import Coroutine, Sequence
from typing import Any, Literal, TypeVar

from .backend import Backend
from .exhaustion import ExhaustionAlarm
from .listen import bind_listeners, listen_addresses
from .loop import new_proxy_loop
from .stats import ProxyStats
from .tcp import TcpProxy
from .udp import UdpProxy

__all__ = ["ProxyHub"]

log = logging.getLogger("pyspire.proxy")

_T = TypeVar("_T")
_Proxy = TcpProxy | UdpProxy
_CLOSE_TIMEOUT = 30.0


class _Entry:
    """A registered name: its proxy once bound, and the latest backend set asked for."""

    __slots__ = ("proxy", "backends")

    def __init__(self) -> None:
        self.proxy: _Proxy | None = None
        self.backends: tuple[Backend, ...] = ()


class ProxyHub:
    """Owns every proxy of one app host, running them on a dedicated thread with its own asyncio
    event loop, so the app host's own work (log capture, controllers) never stalls forwarding.

    Semantics follow .NET Aspire's DCP proxy: a random backend per connection with fail-over to the
    others when a dial fails (``dial_timeout`` each), up to ``max_parked`` connections held while a
    service has no backends, and UDP sessions that expire after ``udp_idle_timeout`` seconds idle.
    A parked connection is closed when its client leaves or after ``park_timeout`` seconds, so a
    service that stays stopped cannot hold its slots (or clients) forever.
    """

    def __init__(
        self,
        *,
        dial_timeout: float = 5.0,
        max_parked: int = 20,
        park_timeout: float = 30.0,
        udp_idle_timeout: float = 60.0,
    ) -> None:
        if park_timeout <= 0:
            raise ValueError(f"park_timeout must be positive, not {park_timeout!r}")
        self._dial_timeout = dial_timeout
        self._max_parked = max_parked
        self._park_timeout = park_timeout
        # Shared, so running out of descriptors is reported once for the hub, not once per proxy.
        self._alarm = ExhaustionAlarm()
        self._udp_idle_timeout = udp_idle_timeout
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._finished: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._closing = False

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the proxy thread and its event loop; calling it again does nothing."""
        with self._lock:
            if self._closing:
                raise RuntimeError("ProxyHub is closed")
            if self._thread is not None:
                return
            _raise_fd_limit()
            loop = new_proxy_loop()
            started = threading.Event()
            thread = threading.Thread(
                target=self._run, args=(loop, started), name="pyspire-proxy-hub", daemon=True
            )
            self._loop = loop
            self._thread = thread
            thread.start()
        started.wait()

    def _run(self, loop: asyncio.AbstractEventLoop, started: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        loop.set_exception_handler(_log_loop_error)
        try:
            loop.call_soon(started.set)
            loop.run_forever()
        finally:
            try:
                self._close_proxies()  # only finds any if the loop was stopped some other way
                tasks = asyncio.all_tasks(loop)
                for task in tasks:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
                # getaddrinfo runs in the default executor: its threads must not outlive the hub.
                loop.run_until_complete(loop.shutdown_default_executor())
            finally:
                loop.close()
                asyncio.set_event_loop(None)
                self._finished.set_result(None)

    async def aclose(self) -> None:
        """Close every proxy, stop the loop and wait for the thread to exit. Idempotent."""
        thread, first = self._begin_close()
        if thread is None:
            return
        loop = self._loop
        assert loop is not None
        if first:
            try:
                await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._close_all(), loop))
            finally:
                _stop(loop)
        await asyncio.wrap_future(self._finished)
        thread.join()

    def close(self) -> None:
        """Synchronous :meth:`aclose`, for ``finally`` blocks and ``atexit``. Idempotent."""
        thread, first = self._begin_close()
        if thread is None:
            return
        loop = self._loop
        assert loop is not None
        if first:
            try:
                asyncio.run_coroutine_threadsafe(self._close_all(), loop).result(_CLOSE_TIMEOUT)
            except (concurrent.futures.TimeoutError, RuntimeError) as exc:
                log.warning("ProxyHub: closing proxies failed: %r", exc)
            finally:
                _stop(loop)
        self._finished.result()
        thread.join()

    def _begin_close(self) -> tuple[threading.Thread | None, bool]:
        """Mark the hub closing; returns its thread (None if never started) and whether this caller
        is the first, the one that closes the proxies and stops the loop (exactly once: a second
        ``loop.stop`` would cut short the thread's own clean-up)."""
        with self._lock:
            first = not self._closing
            self._closing = True
            thread = self._thread
        if thread is not None and threading.current_thread() is thread:
            raise RuntimeError("ProxyHub cannot be closed from its own thread")
        return thread, first

    async def _close_all(self) -> None:
        self._close_proxies()

    def _close_proxies(self) -> None:
        with self._lock:
            entries = list(self._entries.values())
            self._entries.clear()
        for entry in entries:
            if entry.proxy is not None:
                entry.proxy.close()

    # -- proxies --------------------------------------------------------------------------------

    async def open(
        self,
        name: str,
        protocol: Literal["tcp", "udp"],
        host: str = "localhost",
        port: int = 0,
        also_on: Sequence[str] = (),
    ) -> int:
        """Bind and start serving; returns the bound port (port=0 -> a free port chosen by the OS,
        the same on IPv4 and IPv6). ``also_on``: extra IPv4 literals to listen on with the same
        port, bound even before the address exists (a container bridge's gateway appears only when
        its first container starts). Raises :class:`ProxyBindError` if the port is taken and
        :class:`ValueError` if ``name`` is already open. Callable from any event loop."""
        if protocol not in ("tcp", "udp"):
            raise ValueError(f"protocol must be 'tcp' or 'udp', not {protocol!r}")
        if not 0 <= port <= 65535:
            raise ValueError(f"port out of range: {port}")
        self.start()
        with self._lock:
            if name in self._entries:
                raise ValueError(f"a proxy named {name!r} is already open")
            self._entries[name] = _Entry()
        try:
            return await self._call(self._open(name, protocol, host, port, tuple(also_on)))
        except BaseException:
            self._discard(name)
            raise

    async def _open(self, name: str, protocol: str, host: str, port: int, also_on: tuple[str, ...]) -> int:
        loop = asyncio.get_running_loop()
        addrs = await listen_addresses(host)
        extra: list[tuple[int, str]] = [(int(socket.AF_INET), a) for a in also_on if (socket.AF_INET, a) not in addrs]
        socktype = socket.SOCK_STREAM if protocol == "tcp" else socket.SOCK_DGRAM
        listeners = bind_listeners(host, addrs + extra, socktype, port, freebind={a for _, a in extra})
        proxy: _Proxy
        if protocol == "tcp":
            proxy = TcpProxy(
                loop,
                name,
                listeners,
                dial_timeout=self._dial_timeout,
                max_parked=self._max_parked,
                park_timeout=self._park_timeout,
                alarm=self._alarm,
            )
        else:
            proxy = UdpProxy(loop, name, listeners, idle_timeout=self._udp_idle_timeout, alarm=self._alarm)
        with self._lock:
            entry = self._entries.get(name)
            if entry is not None:
                entry.proxy = proxy
                backends = entry.backends
        if entry is None:  # closed while binding
            proxy.close()
            raise RuntimeError(f"proxy {name!r} was closed while opening")
        proxy.set_backends(backends)
        proxy.start()
        return int(listeners[0].getsockname()[1])

    def set_backends(self, name: str, backends: Sequence[Backend]) -> None:
        """Replace the backend set; thread-safe and non-blocking. Parked connections are served at
        once. Raises KeyError for an unknown name; ignored once the hub is closing."""
        snapshot = tuple(Backend(str(b[0]), int(b[1])) for b in backends)
        with self._lock:
            entry = self._entries.get(name)
            if entry is None:
                if self._closing:
                    return
                raise KeyError(name)
            entry.backends = snapshot
            proxy = entry.proxy
            loop = self._loop
        if proxy is not None and loop is not None:
            # Still applied in call order: the loop runs thread-safe callbacks FIFO.
            loop.call_soon_threadsafe(proxy.set_backends, snapshot)

    async def close_proxy(self, name: str) -> None:
        """Stop listening on ``name`` and close its connections; unknown names are ignored."""
        with self._lock:
            entry = self._entries.pop(name, None)
        if entry is not None and entry.proxy is not None:
            await self._call(_close_proxy(entry.proxy))

    def stats(self, name: str) -> ProxyStats:
        """Cheap snapshot of one proxy's counters (KeyError for an unknown name)."""
        with self._lock:
            proxy = self._entries[name].proxy
        if proxy is None:
            return ProxyStats(0, 0, 0, 0)
        return proxy.stats()

    # -- plumbing -------------------------------------------------------------------------------

    async def _call(self, coro: Coroutine[Any, Any, _T]) -> _T:
        """Run ``coro`` on the hub's loop and await it from the caller's loop."""
        loop = self._loop
        if loop is None or loop.is_closed():
            coro.close()
            raise RuntimeError("ProxyHub is not running")
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))

    def _discard(self, name: str) -> None:
        """Forget a name whose open() failed or was cancelled, closing the proxy if it got bound."""
        with self._lock:
            entry = self._entries.pop(name, None)
            loop = self._loop
        if entry is not None and entry.proxy is not None and loop is not None:
            try:
                loop.call_soon_threadsafe(entry.proxy.close)
            except RuntimeError:
                pass


def _stop(loop: asyncio.AbstractEventLoop) -> None:
    """Ask the hub's loop to stop; fine if it already has (a concurrent close won the race)."""
    try:
        loop.call_soon_threadsafe(loop.stop)
    except RuntimeError:
        pass


async def _close_proxy(proxy: _Proxy) -> None:
    proxy.close()


def _log_loop_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    exc = context.get("exception")
    log.error("proxy loop error: %s", context.get("message"), exc_info=exc)


def _raise_fd_limit() -> None:
    """Raise the soft open-file limit to the hard one, as Go (and so DCP) does at start-up.

    Every proxied connection holds two sockets; the usual soft limit of 1024 would otherwise cap a
    proxy at a few hundred concurrent connections.
    """
    try:
        import resource
    except ImportError:  # not POSIX
        return
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        target = 1 << 20 if hard == resource.RLIM_INFINITY else hard  # the kernel's nr_open default
        if soft != resource.RLIM_INFINITY and soft < target:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (OSError, ValueError):
        pass
