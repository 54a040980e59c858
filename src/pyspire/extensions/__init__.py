"""The public extension API: what integrations (``pyspire.integrations.*``), the dashboard,
telemetry, provisioning and publishing build on.

Everything an extension needs is re-exported here; a package under ``pyspire.integrations`` may
import this module and ``pyspire.model``, never the executor's or orchestrator's internals
(import-linter enforces it). When this API cannot express what an extension needs, extend it here.
See ``docs/extending.md``.
"""

from __future__ import annotations

# -- resource handlers, lifecycle events, run-time outputs (area: handlers) -----------------------
from pyspire.executor.commands import CommandResult
from pyspire.executor.handlers import (
    HandlerContext,
    HandlerFactory,
    HandlerRegistry,
    ResourceHandler,
    ResourceHandlerBase,
    resource_handlers,
)
from pyspire.executor.snapshots import HealthReport, ResourceSnapshot, Url
from pyspire.model.events import (
    BeforeAppStart,
    BeforeResourceStart,
    EventSubscription,
    ResourceReady,
    ResourceStopped,
)
from pyspire.model.outputs import OutputReference

__all__: list[str] = [
    # handlers
    "BeforeAppStart",
    "BeforeResourceStart",
    "CommandResult",
    "EventSubscription",
    "HandlerContext",
    "HandlerFactory",
    "HandlerRegistry",
    "HealthReport",
    "OutputReference",
    "ResourceHandler",
    "ResourceHandlerBase",
    "ResourceReady",
    "ResourceSnapshot",
    "ResourceStopped",
    "Url",
    "resource_handlers",
]
