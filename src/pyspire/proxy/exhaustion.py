"""Running out of file descriptors (or socket memory), reported once per episode.

When the process reaches its descriptor limit, every accept, dial, splice pipe and UDP session
socket fails until something is closed; a proxy that logged each failure would write thousands of
lines a second into the console for as long as it lasts. The proxies of a hub share one
:class:`ExhaustionAlarm` instead: the first failure of an episode is logged, the repeats are only
counted, and the first success afterwards logs that the episode is over, with the count. Each
caller pauses or drops on its own (the alarm decides only what is said), and an episode that starts
within ``quiet`` seconds of the last report is not logged at all, so a process hovering at its
limit cannot make the two messages alternate.
"""

from __future__ import annotations

import errno
import logging
import time

__all__ = ["EXHAUSTED", "ExhaustionAlarm"]

log = logging.getLogger("pyspire.proxy")

#: ``errno`` values meaning "no descriptor or buffer for you right now", not "this peer failed".
EXHAUSTED = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


class ExhaustionAlarm:
    """Logs when a hub's proxies run out of descriptors and when they have them again.

    Only the proxy thread calls it, so it needs no lock; :attr:`active` is the one attribute the
    hot paths read, so a success costs a single attribute test while nothing is wrong.
    """

    __slots__ = ("active", "_failures", "_since", "_reported", "_last_report", "_quiet")

    def __init__(self, quiet: float = 60.0) -> None:
        self.active = False
        self._failures = 0
        self._since = 0.0
        self._reported = False
        self._last_report = -quiet
        self._quiet = quiet

    def failed(self, proxy: str, what: str, exc: OSError) -> None:
        """``proxy`` could not ``what`` ("accept a connection") because of ``exc``."""
        self._failures += 1
        if self.active:
            return
        now = time.monotonic()
        self.active = True
        self._failures = 1
        self._since = now
        self._reported = now - self._last_report >= self._quiet
        if self._reported:
            self._last_report = now
            log.warning(
                "proxy %s: cannot %s: %s (the app host is out of file descriptors or socket "
                "memory); new connections wait until some are free, and repeats are not logged",
                proxy,
                what,
                exc.strerror or exc,
            )

    def recovered(self) -> None:
        """A descriptor was obtained again: the episode, if any, is over."""
        if not self.active:
            return
        self.active = False
        if self._reported:
            now = time.monotonic()
            self._last_report = now
            log.warning(
                "proxies have file descriptors again, after %d failed attempts in %.1f s",
                self._failures,
                now - self._since,
            )
