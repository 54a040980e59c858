"""Controllers under supervision: a crash is logged and the controller restarts with backoff;
one that keeps crashing fails the app host with a message saying which and why — never silence.

A controller's ``run`` only ends by itself when something escaped its reconciles (a bug in
``keys_for``, in a task it spawned, a watch that broke): that is a crash. Each restart waits a
little longer (doubling up to :attr:`SupervisionPolicy.backoff_max`); more than
:attr:`SupervisionPolicy.max_restarts` crashes within :attr:`SupervisionPolicy.window` seconds
end supervision with :class:`ControllerFailed` (Erlang/OTP's restart intensity, kopf's
"a dead daemon is noticed at once").
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass

from pyspire.errors import PyspireError
from pyspire.orchestrator.controller import Controller

log = logging.getLogger(__name__)


class ControllerFailed(PyspireError):
    """A controller kept crashing: the app host cannot keep its kind's objects in shape."""


@dataclass(frozen=True)
class SupervisionPolicy:
    #: Crashes tolerated within ``window`` seconds; one more fails the app host.
    max_restarts: int = 5
    window: float = 60.0
    backoff_first: float = 0.1
    backoff_max: float = 5.0


class Supervisor:
    """Runs every controller in one task group and restarts the ones that crash."""

    def __init__(self, controllers: dict[str, Controller], policy: SupervisionPolicy) -> None:
        self.controllers = controllers
        self.policy = policy

    async def run(self) -> None:
        """Until cancelled, or until a controller exceeds its restarts (:class:`ControllerFailed`)."""
        async with asyncio.TaskGroup() as tg:
            for kind, controller in self.controllers.items():
                tg.create_task(
                    self._supervise(kind, controller), name=f"{type(controller).__name__}-supervisor"
                )

    async def _supervise(self, kind: str, controller: Controller) -> None:
        crashes: deque[float] = deque()
        name = type(controller).__name__
        while True:
            try:
                await controller.run()
                problem = "its run ended by itself"
                log.error("controller %s (kind %s) stopped: %s", name, kind, problem)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a crash: say so, with the traceback, then restart
                problem = _describe(exc)
                log.error("controller %s (kind %s) crashed: %s", name, kind, problem, exc_info=exc)
            now = time.monotonic()
            crashes.append(now)
            while crashes and crashes[0] < now - self.policy.window:
                crashes.popleft()
            if len(crashes) > self.policy.max_restarts:
                raise ControllerFailed(
                    f"controller {name} (kind {kind}) crashed {len(crashes)} times within "
                    f"{self.policy.window:g}s; last: {problem}. The app host stops: its {kind} objects "
                    "can no longer be kept in shape"
                )
            delay = min(self.policy.backoff_first * 2 ** (len(crashes) - 1), self.policy.backoff_max)
            log.warning("controller %s (kind %s) restarts in %gs", name, kind, delay)
            await asyncio.sleep(delay)


def _describe(exc: BaseException) -> str:
    """The crash in one line (a task group's crash is a group: name what is inside)."""
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_describe(inner) for inner in exc.exceptions)
    notes = "".join(f" ({note})" for note in getattr(exc, "__notes__", ()))
    return f"{type(exc).__name__}: {exc}{notes}"
