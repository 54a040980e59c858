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

# -- area "states": the state vocabulary, the error taxonomy, label names, the state folder ----------
from pyspire.errors import ConfigurationError, PermanentError, PyspireError, TemporaryError  # noqa: E402
from pyspire.labels import LABEL_PREFIX, LABEL_RESOURCE  # noqa: E402
from pyspire.runtime.files import write_atomic  # noqa: E402
from pyspire.runtime.state_dir import StateDir  # noqa: E402
from pyspire.state_rules import COMMAND_RULES, STATE_STYLES, CommandState  # noqa: E402
from pyspire.states import (  # noqa: E402
    ACTIVE_STATES,
    FAILED_STATES,
    SETTLED_STATES,
    STARTING_STATES,
    STOPPED_STATES,
    TERMINAL_STATES,
    HealthStatus,
    ResourceState,
)

__all__ += [
    "ACTIVE_STATES",
    "COMMAND_RULES",
    "FAILED_STATES",
    "LABEL_PREFIX",
    "LABEL_RESOURCE",
    "SETTLED_STATES",
    "STARTING_STATES",
    "STATE_STYLES",
    "STOPPED_STATES",
    "TERMINAL_STATES",
    "CommandState",
    "ConfigurationError",
    "HealthStatus",
    "PermanentError",
    "PyspireError",
    "ResourceState",
    "StateDir",
    "TemporaryError",
    "write_atomic",
]

# -- model capabilities, relationships, rendering, run-mode policy (issue 11 items 5, 7, 8) ------
from pyspire.executor.launch_plan import (  # noqa: E402
    ConnectionPropertiesEnv,
    EnvStep,
    EnvValue,
    LaunchPlan,
    ListenPortEnv,
    plan_launch,
)
from pyspire.executor.model_facts import relationships_of  # noqa: E402
from pyspire.executor.rendering import RenderedLaunch, render_launch, render_launch_async, render_plan  # noqa: E402
from pyspire.executor.run_mode import (  # noqa: E402
    RUN_MODE_POLICIES,
    RunModeContext,
    RunModePolicies,
    RunModePolicy,
    TelemetryEnv,
)
from pyspire.model.capabilities import (  # noqa: E402
    ResourceWithConnectionProperties,
    ResourceWithConnectionString,
    ResourceWithEndpoints,
    ResourceWithEnvironment,
    ResourceWithReferenceHook,
    ResourceWithWaitSupport,
    can_be_referenced,
    connection_properties_of,
    connection_string_of,
)
from pyspire.model.encoded_values import EncodedValue, url_encoded, url_part  # noqa: E402
from pyspire.model.errors import RenderError  # noqa: E402
from pyspire.model.execution import PUBLISH, RUN, ExecutionContext  # noqa: E402
from pyspire.model.relationships import PARENT, HiddenAnnotation, RelationshipAnnotation, is_hidden, parent_of  # noqa: E402
from pyspire.model.values import RenderableValue, RenderContext, ValueContext, ValueProvider, render_value  # noqa: E402

__all__ += [
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
    "EncodedValue",
    "url_encoded",
    "url_part",
    "ResourceWithConnectionProperties",
    "ResourceWithConnectionString",
    "ResourceWithEndpoints",
    "ResourceWithEnvironment",
    "ResourceWithReferenceHook",
    "ResourceWithWaitSupport",
    "RunModeContext",
    "RunModePolicies",
    "RunModePolicy",
    "TelemetryEnv",
    "ValueContext",
    "ValueProvider",
    "can_be_referenced",
    "connection_properties_of",
    "connection_string_of",
    "plan_launch",
    "render_launch",
    "render_launch_async",
    "render_plan",
    "render_value",
]

# -- kinds and controllers (issue 11 item 3: the kind registry, supervised controllers) -------
from pyspire.orchestrator.builtin_kinds import KINDS  # noqa: E402
from pyspire.orchestrator.controller import Controller, Result  # noqa: E402
from pyspire.orchestrator.kinds import (  # noqa: E402
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
from pyspire.orchestrator.store import Obj, ObjectStore, WatchEvent  # noqa: E402
from pyspire.orchestrator.supervision import ControllerFailed, SupervisionPolicy  # noqa: E402
from pyspire.orchestrator.update_rules import (  # noqa: E402
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

# -- bounded broadcast
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

# -- resource handlers, lifecycle events, run-time outputs -------------------------------------
from pyspire.executor.commands import CommandResult  # noqa: E402
from pyspire.executor.handlers import (  # noqa: E402
    HandlerContext,
    HandlerFactory,
    HandlerRegistry,
    ResourceHandler,
    ResourceHandlerBase,
    resource_handlers,
)
from pyspire.executor.snapshots import HealthReport, ResourceSnapshot, Url  # noqa: E402
from pyspire.model.command_arguments import CommandArgument  # noqa: E402
from pyspire.model.events import (  # noqa: E402
    BeforeAppStart,
    BeforeResourceStart,
    EventSubscription,
    ResourceReady,
    ResourceStopped,
)
from pyspire.model.lifecycle import HealthCheckContext  # noqa: E402
from pyspire.model.lifecycle_builder import LifecycleBuilder  # noqa: E402
from pyspire.model.outputs import OutputReference  # noqa: E402

__all__ += [
    "BeforeAppStart",
    "BeforeResourceStart",
    "CommandArgument",
    "CommandResult",
    "EventSubscription",
    "HandlerContext",
    "HandlerFactory",
    "HandlerRegistry",
    "HealthCheckContext",
    "HealthReport",
    "LifecycleBuilder",
    "OutputReference",
    "ResourceHandler",
    "ResourceHandlerBase",
    "ResourceReady",
    "ResourceSnapshot",
    "ResourceStopped",
    "Url",
    "resource_handlers",
]

# -- app host services (issue 13: telemetry and the dashboard run beside the resources) --------
from pyspire.executor.run_mode import SecretEnvValue  # noqa: E402
from pyspire.extensions.app_host_services import (  # noqa: E402
    APP_HOST_SERVICES,
    AppHostService,
    AppHostServiceContext,
    AppHostServiceFactory,
    AppHostServices,
    AppHostSetup,
    ContainerAccess,
    NoContainerAccess,
)

__all__ += [
    "ContainerAccess",
    "NoContainerAccess",
    "SecretEnvValue",
    "APP_HOST_SERVICES",
    "AppHostService",
    "AppHostServiceContext",
    "AppHostServiceFactory",
    "AppHostServices",
    "AppHostSetup",
]

# -- serving HTTP from a service: the control API's own server (loopback, guarded, no signals) --
from pyspire.api.server import ApiServer as HttpServer  # noqa: E402
from pyspire.api.streams import LiveStream  # noqa: E402

__all__ += ["HttpServer", "LiveStream"]

# -- reading a service's PYSPIRE_* settings, one wording for all --------------------------------
from pyspire.extensions.settings import setting_count, setting_flag, setting_port  # noqa: E402

__all__ += ["setting_count", "setting_flag", "setting_port"]

# -- holding TCP clients while nothing can serve them: the proxy's bounded parking lot ----------
# -- and the proxy's listeners: one port on several addresses, gateways bound before they exist --
from pyspire.proxy.listen import bind_listeners  # noqa: E402
from pyspire.proxy.parking import ParkingLot  # noqa: E402

__all__ += ["ParkingLot", "bind_listeners"]
