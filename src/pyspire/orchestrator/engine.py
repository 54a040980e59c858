"""Finding the container engine once per app host, for every container-related controller.

Detection asks each engine to answer (``info``), which takes a moment, so it runs once, lazily —
an app without containers never pays for it — and every caller awaits the same answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from pyspire.runtime.containers import ContainerRuntime, NoContainerEngine, detect_runtime

Detector = Callable[[], Awaitable[ContainerRuntime]]


class EngineProvider:
    """The container runtime, detected on first use. ``on_detected`` hears about it once (the app
    host records the engine so a later run can sweep containers a killed run left behind)."""

    def __init__(
        self,
        detector: Detector = detect_runtime,
        on_detected: Callable[[ContainerRuntime], None] | None = None,
    ) -> None:
        self._detector = detector
        self._on_detected = on_detected
        self._task: asyncio.Task[ContainerRuntime] | None = None
        self.runtime: ContainerRuntime | None = None

    async def get(self) -> ContainerRuntime:
        """The runtime; raises :class:`NoContainerEngine` (the same error for every caller)."""
        if self._task is None:
            self._task = asyncio.create_task(self._detect(), name="detect-container-engine")
        return await asyncio.shield(self._task)

    async def _detect(self) -> ContainerRuntime:
        runtime = await self._detector()
        self.runtime = runtime
        if self._on_detected is not None:
            self._on_detected(runtime)
        return runtime

    def failure(self) -> NoContainerEngine | None:
        if self._task is None or not self._task.done() or self._task.cancelled():
            return None
        exc = self._task.exception()
        return exc if isinstance(exc, NoContainerEngine) else None
