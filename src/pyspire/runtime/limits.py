"""How many file descriptors the app host may hold, and how they are shared out.

Every proxied connection costs the app host two descriptors, every process three pipes, every
engine call a few more; the control API costs one per client connection. Any local user can open
connections to the API's TCP port, so the API must never be what uses up the last descriptors:
:class:`DescriptorBudget` says where it stops (the *ceiling*) and how many connections that sent no
request it keeps at most; the rest is the reserve for the proxies, the processes and the
controllers. The budget is taken from the soft ``RLIMIT_NOFILE`` when the API starts, which is
after the proxy hub has raised it to the hard limit (``pyspire.proxy.hub``).
"""

from __future__ import annotations

import resource
from dataclasses import dataclass

#: The descriptor limits this process was started with, before the proxy hub raised the soft one
#: (``pyspire.proxy.hub``); children get these back, as Go's os/exec gives a child the original.
INHERITED_NOFILE: tuple[int, int] = resource.getrlimit(resource.RLIMIT_NOFILE)

#: At least this many descriptors stay in reserve, whatever the limit.
MIN_RESERVE = 64
#: At most this many API connections that sent no (complete) request are kept at once.
MAX_IDLE_CONNECTIONS = 1024


@dataclass(frozen=True)
class DescriptorBudget:
    #: The soft limit: descriptor numbers run from 0 to ``limit - 1``.
    limit: int
    #: Kept for the proxies, the processes' pipes and the controllers.
    reserve: int
    #: Most API connections without a request kept at once (the oldest go first beyond it).
    max_idle: int

    @property
    def ceiling(self) -> int:
        """A new API connection whose descriptor number is this or higher is refused at once.
        The kernel hands out the lowest free number, so reaching it means every descriptor below
        it is in use: the check costs nothing and cannot miss."""
        return self.limit - self.reserve


def descriptor_budget(limit: int | None = None) -> DescriptorBudget:
    """The budget for ``limit`` (default: the current soft limit): a quarter in reserve, an
    eighth at most (and :data:`MAX_IDLE_CONNECTIONS`) for connections that sent nothing."""
    if limit is None:
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        limit = soft if soft != resource.RLIM_INFINITY else 1 << 20
    reserve = min(limit // 2, max(MIN_RESERVE, limit // 4))
    return DescriptorBudget(limit, reserve, max(8, min(MAX_IDLE_CONNECTIONS, limit // 8)))


def restore_inherited_nofile() -> None:
    """In a child before exec: the soft descriptor limit the app host itself was given. A program
    that sizes a table by its limit, closes every descriptor up to it, or uses ``select()``
    (which fails above 1024) must not be surprised by the limit pyspire raised for its proxies."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = INHERITED_NOFILE[0]
    if wanted != soft and (hard == resource.RLIM_INFINITY or wanted <= hard):
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
