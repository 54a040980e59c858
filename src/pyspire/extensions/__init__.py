"""The public extension API: what integrations (``pyspire.integrations.*``), the dashboard,
telemetry, provisioning and publishing build on.

Everything an extension needs is re-exported here; a package under ``pyspire.integrations`` may
import this module and ``pyspire.model``, never the executor's or orchestrator's internals
(import-linter enforces it). When this API cannot express what an extension needs, extend it here.
See ``docs/extending.md``.
"""

from __future__ import annotations

# -- model capabilities, relationships, rendering, run-mode policy (issue 11 items 5, 7, 8) ------
from pyspire.executor.launch_plan import (
    ConnectionPropertiesEnv,
    EnvStep,
    EnvValue,
    LaunchPlan,
    ListenPortEnv,
    plan_launch,
)
from pyspire.executor.model_facts import relationships_of
from pyspire.executor.rendering import RenderedLaunch, render_launch, render_launch_async, render_plan
from pyspire.executor.run_mode import (
    RUN_MODE_POLICIES,
    RunModeContext,
    RunModePolicies,
    RunModePolicy,
    TelemetryEnv,
)
from pyspire.model.capabilities import (
    ResourceWithConnectionString,
    ResourceWithEndpoints,
    ResourceWithEnvironment,
    ResourceWithWaitSupport,
    can_be_referenced,
    connection_string_of,
)
from pyspire.model.errors import RenderError
from pyspire.model.execution import PUBLISH, RUN, ExecutionContext
from pyspire.model.relationships import PARENT, HiddenAnnotation, RelationshipAnnotation, is_hidden, parent_of
from pyspire.model.values import RenderableValue, RenderContext, ValueContext, ValueProvider, render_value

__all__: list[str] = [
    # model capabilities, relationships, rendering, run-mode policy (issue 11 items 5, 7, 8)
    "ConnectionPropertiesEnv",
    "HiddenAnnotation",
    "PARENT",
    "RelationshipAnnotation",
    "is_hidden",
    "parent_of",
    "relationships_of",
    "EnvStep",
    "EnvValue",
    "ExecutionContext",
    "LaunchPlan",
    "ListenPortEnv",
    "PUBLISH",
    "RUN",
    "RUN_MODE_POLICIES",
    "RenderContext",
    "RenderError",
    "RenderableValue",
    "RenderedLaunch",
    "ResourceWithConnectionString",
    "ResourceWithEndpoints",
    "ResourceWithEnvironment",
    "ResourceWithWaitSupport",
    "RunModeContext",
    "RunModePolicies",
    "RunModePolicy",
    "TelemetryEnv",
    "ValueContext",
    "ValueProvider",
    "can_be_referenced",
    "connection_string_of",
    "plan_launch",
    "render_launch",
    "render_launch_async",
    "render_plan",
    "render_value",
]
