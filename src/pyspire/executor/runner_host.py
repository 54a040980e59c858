"""What every part of a resource runner needs from the executor that owns it.

In a module of its own so the runner's parts (launch, recovery, commands) can name it without
importing the runner, which imports them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, Protocol

from pyspire.executor.addresses import EndpointAddresses
from pyspire.executor.environment import TelemetryEnv
from pyspire.executor.resolution import ConfiguredValues
from pyspire.executor.snapshots import SnapshotHub

if TYPE_CHECKING:
    from pyspire.model.resource import Resource
    from pyspire.orchestrator.orchestrator import Orchestrator


class RunnerHost(Protocol):
    """What a runner needs from the executor."""

    orchestrator: Orchestrator
    addresses: EndpointAddresses
    values: ConfiguredValues
    snapshots: SnapshotHub
    telemetry: TelemetryEnv
    shutting_down: bool

    def publish(self, name: str) -> None: ...

    def spawn(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]: ...

    async def before_start(self, resource: Resource) -> None:
        """Waits done, nothing created yet: dispatch the before-start event (raises what a
        subscriber raised)."""
        ...
