"""A testing harness for pyspire apps: start the whole app in-process, assert, stop.

::

    async with pyspire.testing.start("path/to/apphost.py") as app:
        await app.wait_for_resource("api")
        url = app.endpoint_url("api")          # http://localhost:<proxy port>
        print(app.logs("api"))

A path runs the user's real ``apphost.py``; its ``run()`` hands control back to the harness. A
builder or a built app works too. Leaving the block stops every process and waits until they are gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Callable, Collection, Mapping
from pathlib import Path

import httpx

from pyspire.api import ApiEndpoint
from pyspire.app import (
    AppHandedOff,
    DistributedApplication,
    DistributedApplicationBuilder,
    RunningApp,
    _handoff,
)
from pyspire.errors import PyspireError
from pyspire.executor.commands import CommandResult
from pyspire.executor.snapshots import ResourceSnapshot
from pyspire.loader import execute_apphost, find_apphost
from pyspire.orchestrator.logs import LogLine
from pyspire.states import HALTED_STATES, HealthStatus, ResourceState

DEFAULT_TIMEOUT = 30.0


class ResourceStateError(PyspireError, AssertionError):
    """A resource reached a state it can no longer leave, other than the one waited for."""


class AppHandle:
    """What a test holds while the app runs."""

    def __init__(self, running: RunningApp) -> None:
        self.running = running
        self.executor = running.executor
        self.orchestrator = running.orchestrator

    @property
    def api(self) -> ApiEndpoint:
        """Where the app host's control API listens, and its token."""
        return self.running.api

    def api_client(self) -> httpx.AsyncClient:
        """An HTTP client for the control API, token included (close it, or use ``async with``)."""
        return httpx.AsyncClient(base_url=self.api.url, headers={"Authorization": f"Bearer {self.api.token}"})

    def resource(self, name: str) -> ResourceSnapshot:
        """The latest snapshot of ``name`` (state, exit_code, replicas, urls, env)."""
        return self.executor.snapshots.get(name)

    def resources(self) -> list[ResourceSnapshot]:
        return self.executor.snapshots.all()

    def endpoint_url(self, name: str, endpoint: str = "http") -> str:
        """The URL clients use for ``endpoint`` of ``name`` (the proxy, when proxied)."""
        allocation = self.executor.addresses.get(name, endpoint)
        if not allocation.port.done():
            raise LookupError(f"endpoint {name}/{endpoint} has no port yet; wait for the resource first")
        return f"{allocation.endpoint.scheme}://localhost:{allocation.port.result()}"

    def logs(self, name: str, replica: str | None = None) -> list[LogLine]:
        """Captured output of ``name`` (all replicas, or one), oldest first."""
        return self.orchestrator.logs.lines(name, replica)

    def log_text(self, name: str) -> str:
        return "\n".join(line.text for line in self.logs(name))

    async def wait_for_resource(
        self, name: str, state: str | Collection[str] = ResourceState.RUNNING, timeout: float = DEFAULT_TIMEOUT
    ) -> ResourceSnapshot:
        """Wait until ``name`` is in ``state`` (one or several); raises :class:`ResourceStateError`
        at once if it ends in another terminal state, and ``TimeoutError`` after ``timeout``."""
        wanted = {state} if isinstance(state, str) else set(state)
        return await self._wait_until(name, lambda s: s.state in wanted, "/".join(sorted(wanted)), timeout)

    async def wait_for_healthy(self, name: str, timeout: float = DEFAULT_TIMEOUT) -> ResourceSnapshot:
        """Wait until ``name`` is Running and Healthy."""
        return await self._wait_until(
            name,
            lambda s: s.state == ResourceState.RUNNING and s.health_status == HealthStatus.HEALTHY,
            "Running and Healthy",
            timeout,
        )

    async def _wait_until(
        self, name: str, done: Callable[[ResourceSnapshot], bool], wanted: str, timeout: float
    ) -> ResourceSnapshot:
        self.executor.snapshots.get(name)  # unknown names fail fast

        async def wait() -> ResourceSnapshot:
            async for snap in self.executor.snapshots.watch():
                if snap.name != name:
                    continue
                if done(snap):
                    return snap
                if snap.state in HALTED_STATES:
                    tail = "\n".join(f"  {line.text}" for line in self.logs(name)[-10:])
                    raise ResourceStateError(
                        f"resource '{name}' is {snap.state} ({snap.state_message or 'no message'}), "
                        f"not {wanted}; last output:\n{tail}"
                    )
            raise AssertionError("snapshot stream ended")  # pragma: no cover

        try:
            return await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            snap = self.executor.snapshots.get(name)
            raise TimeoutError(
                f"resource '{name}' still {snap.state} ({snap.state_message or 'no message'}, health "
                f"{snap.health_status}) after {timeout}s, waiting for {wanted}"
            ) from None

    async def execute_command(
        self, name: str, command: str, arguments: Mapping[str, str] | None = None
    ) -> CommandResult:
        """Run a command (start, stop, restart or custom) on ``name`` and return its result.
        Arguments a custom command does not declare, or a required one left out, raise
        :class:`pyspire.model.CommandArgumentError` (the API answers those with 400)."""
        return await self.executor.execute_command(name, command, arguments)

    async def wait_for_log(self, name: str, pattern: str, timeout: float = DEFAULT_TIMEOUT) -> LogLine:
        """Wait for a line of ``name``'s output matching the regex ``pattern``."""
        regex = re.compile(pattern)
        for line in self.logs(name):
            if regex.search(line.text):
                return line

        async def wait() -> LogLine:
            # Every kept line again, read in the same step that subscribes: a line logged after
            # the look above and before the subscription is not lost.
            async for line in self.orchestrator.logs.follow(name, tail=-1):
                if regex.search(line.text):
                    return line
            raise AssertionError("log stream ended")  # pragma: no cover

        try:
            return await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            raise TimeoutError(f"no line matching {pattern!r} in '{name}' output after {timeout}s") from None


def load_app(path: str | Path) -> DistributedApplication:
    """Execute a user's ``apphost.py`` up to its ``run()`` and return the app it built."""
    captured: list[DistributedApplication] = []
    token = _handoff.set(captured.append)
    try:
        execute_apphost(find_apphost(path))
    except AppHandedOff:
        pass
    finally:
        _handoff.reset(token)
    if not captured:
        raise RuntimeError(f"{path} finished without calling run() on its app")
    return captured[0]


@contextlib.asynccontextmanager
async def start(
    app: DistributedApplicationBuilder | DistributedApplication | str | Path,
    *,
    dashboard: bool = False,
) -> AsyncIterator[AppHandle]:
    """Run ``app`` (a path to an ``apphost.py``, a builder, or a built app) for the block's duration.

    The dashboard is off unless ``dashboard=True`` (as in Aspire's testing builder): a test drives
    the app through its handle and the control API; telemetry is on as in ``pyspire run``."""
    if isinstance(app, DistributedApplicationBuilder):
        app = app.build()
    elif isinstance(app, str | Path):
        app = load_app(app)
    async with app.start(disabled_services=() if dashboard else ("dashboard",)) as running:
        yield AppHandle(running)
