"""The public extension API: what integrations (``pyspire.integrations.*``), the dashboard,
telemetry, provisioning and publishing build on.

Everything an extension needs is re-exported here; a package under ``pyspire.integrations`` may
import this module and ``pyspire.model``, never the executor's or orchestrator's internals
(import-linter enforces it). When this API cannot express what an extension needs, extend it here.
See ``docs/extending.md``.
"""

from __future__ import annotations

# -- bounded broadcast (fan-out with a bounded buffer and an overflow policy per stream) ----------
from pyspire.orchestrator.broadcast import Broadcast, Subscription
from pyspire.orchestrator.overflow import (
    BoundedRing,
    Buffer,
    DropAndCount,
    GoneOnOverflow,
    LatestPerKey,
    OverflowPolicy,
    Ring,
)

__all__: list[str] = []

# bounded broadcast
__all__ += [
    "BoundedRing",
    "Broadcast",
    "Buffer",
    "DropAndCount",
    "GoneOnOverflow",
    "LatestPerKey",
    "OverflowPolicy",
    "Ring",
    "Subscription",
]
