"""The event loop the proxy thread runs: asyncio's selector loop, tuned for forwarding.

A forwarded chunk of a small request costs one loop iteration, and stock asyncio spends about as
long on an iteration's bookkeeping (timer housekeeping, clock reads, queueing the I/O callback
into the ready deque and popping it again, generic event-mask translation) as the two ``splice``
calls that move the data. That bookkeeping is what separated this proxy's added latency from
nginx's. Two changes remove most of it without changing what the loop does:

* :class:`LeanEpollSelector` returns exactly what ``EpollSelector.select`` returns, inlined;
* :class:`ProxyEventLoop` gives ``_run_once`` a fast path for the proxy's steady state - nothing
  ready, no timers: block in ``epoll_wait`` and run the ready I/O callbacks straight away. Any other
  state (ready callbacks, timers, stopping, debug) takes the stock iteration, and so do events that
  arrive together with a callback another thread queued meanwhile, so such callbacks still run
  first, as they would on the stock loop.

The fast path relies on private ``asyncio`` attributes that have been stable since Python 3.4;
:func:`new_proxy_loop` checks they exist and otherwise returns a stock loop.
"""

from __future__ import annotations

import asyncio
import math
import selectors
from typing import Any

__all__ = ["ProxyEventLoop", "new_proxy_loop"]

_READ = selectors.EVENT_READ
_WRITE = selectors.EVENT_WRITE
_LOOP_ATTRS = ("_ready", "_scheduled", "_stopping", "_debug", "_selector", "_run_once")

try:
    import select

    _NOT_IN: int = ~select.EPOLLIN
    _NOT_OUT: int = ~select.EPOLLOUT
    _HAVE_EPOLL = hasattr(selectors, "EpollSelector")
except (ImportError, AttributeError):  # not Linux
    _NOT_IN = _NOT_OUT = 0
    _HAVE_EPOLL = False


def new_proxy_loop() -> asyncio.AbstractEventLoop:
    """A fresh event loop for the proxy thread: the tuned one where possible, else the stock one."""
    if not _HAVE_EPOLL:
        return asyncio.new_event_loop()
    loop = ProxyEventLoop(LeanEpollSelector())
    if not all(hasattr(loop, attr) for attr in _LOOP_ATTRS):  # a future asyncio changed shape
        loop.close()
        return asyncio.new_event_loop()
    return loop


class LeanEpollSelector(selectors.EpollSelector):  # type: ignore[misc,unused-ignore]
    """``EpollSelector`` whose ``select`` has the per-event work inlined; same results."""

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        """Wait for events, as ``EpollSelector.select``."""
        if timeout is None:
            timeout = -1
        elif timeout <= 0:
            timeout = 0
        else:
            timeout = math.ceil(timeout * 1e3) * 1e-3  # round up: wait *at least* timeout
        try:
            fd_event_list = self.poller.poll(timeout, len(self._fd_to_key) or 1)  # type: ignore[attr-defined]
        except InterruptedError:
            return []
        return self.translate(fd_event_list)

    def translate(self, fd_event_list: list[tuple[int, int]]) -> list[tuple[selectors.SelectorKey, int]]:
        """Turn ``epoll.poll`` results into ``select()`` results."""
        fd_to_key: dict[int, selectors.SelectorKey] = self._fd_to_key  # type: ignore[attr-defined]
        ready: list[tuple[selectors.SelectorKey, int]] = []
        for fd, event in fd_event_list:
            key = fd_to_key.get(fd)
            if key is not None:
                events = (_WRITE if event & _NOT_IN else 0) | (_READ if event & _NOT_OUT else 0)
                ready.append((key, events & key.events))
        return ready

    @property
    def poller(self) -> Any:
        """The underlying ``select.epoll`` object."""
        return self._selector  # type: ignore[attr-defined]


class ProxyEventLoop(asyncio.SelectorEventLoop):
    """A selector event loop whose idle iterations go straight from ``epoll_wait`` to I/O callbacks."""

    def _run_once(self) -> None:
        me: Any = self  # the attributes below are asyncio internals, untyped in typeshed
        if me._ready or me._scheduled or me._stopping or me._debug:
            super()._run_once()  # type: ignore[misc]
            return
        selector: LeanEpollSelector = me._selector
        fd_to_key: dict[int, selectors.SelectorKey] = selector._fd_to_key  # type: ignore[attr-defined]
        try:
            fd_event_list = selector.poller.poll(-1, len(fd_to_key) or 1)
        except InterruptedError:
            return
        ready = me._ready
        if ready:
            # Another thread queued callbacks (``call_soon_threadsafe``, e.g. ``set_backends``) while
            # we slept. The stock loop runs those before I/O that arrived later; do as it does:
            # queue the I/O behind them and run the queue now. (Returning instead would poll again
            # and queue level-triggered events a second time.) No timers can have appeared: only
            # this thread schedules them.
            me._process_events(selector.translate(fd_event_list))
            for _ in range(len(ready)):
                handle = ready.popleft()
                if not handle._cancelled:
                    handle._run()
            return
        # Collect the handles first, then run them, exactly like the stock loop: a callback that
        # closes a socket and opens another (same fd number) must not receive a stale event.
        handles = []
        for fd, event in fd_event_list:
            key = fd_to_key.get(fd)
            if key is None:
                continue
            reader, writer = key.data
            if event & _NOT_OUT and key.events & _READ and reader is not None:
                if reader._cancelled:
                    me._remove_reader(key.fileobj)
                else:
                    handles.append(reader)
            if event & _NOT_IN and key.events & _WRITE and writer is not None:
                if writer._cancelled:
                    me._remove_writer(key.fileobj)
                else:
                    handles.append(writer)
        for handle in handles:
            if not handle._cancelled:  # an earlier callback may have removed it
                handle._run()
