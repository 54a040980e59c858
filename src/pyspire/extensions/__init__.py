"""The public extension API: what integrations (``pyspire.integrations.*``), the dashboard,
telemetry, provisioning and publishing build on.

Everything an extension needs is re-exported here; a package under ``pyspire.integrations`` may
import this module and ``pyspire.model``, never the executor's or orchestrator's internals
(import-linter enforces it). When this API cannot express what an extension needs, extend it here.
See ``docs/extending.md``.
"""

from __future__ import annotations

__all__: list[str] = []

# -- kinds and controllers (issue 11 item 3: the kind registry, supervised controllers) -------
from pyspire.orchestrator.builtin_kinds import KINDS
from pyspire.orchestrator.controller import Controller, Result
from pyspire.orchestrator.kinds import (
    AGE_COLUMN,
    NAME_COLUMN,
    ControllerContext,
    ControllerFactory,
    KindRegistry,
    KindSpec,
    Registration,
    TableColumn,
    TeardownPhase,
)
from pyspire.orchestrator.store import Obj, ObjectStore, WatchEvent
from pyspire.orchestrator.supervision import ControllerFailed, SupervisionPolicy
from pyspire.orchestrator.update_rules import (
    FieldError,
    UpdateValidator,
    forbidden,
    invalid,
    required,
    writable_spec_fields,
)

__all__ += [
    "AGE_COLUMN",
    "KINDS",
    "NAME_COLUMN",
    "Controller",
    "ControllerContext",
    "ControllerFactory",
    "ControllerFailed",
    "FieldError",
    "KindRegistry",
    "KindSpec",
    "Obj",
    "ObjectStore",
    "Registration",
    "Result",
    "SupervisionPolicy",
    "TableColumn",
    "TeardownPhase",
    "UpdateValidator",
    "WatchEvent",
    "forbidden",
    "invalid",
    "required",
    "writable_spec_fields",
]
