"""The public surfaces cannot drift (httpx's ``test_exported_members``): ``pyspire`` is what an
``apphost.py`` imports, ``pyspire.extensions`` what an integration builds on. Adding or removing
a name is a decision: change the list here, and document the name in docs/extending.md."""

from __future__ import annotations

import pyspire
import pyspire.extensions

APP_HOST_API = {
    "AllocatedEndpoint", "ArgsCallbackContext", "BeforeAppStart", "BeforeResourceStart", "CommandArgument",
    "ConnectionStringBuilder", "ConnectionStringResource", "ContainerBuilder", "ContainerResource",
    "DistributedApplication", "DistributedApplicationBuilder", "EndpointPart", "EndpointReference",
    "EnvVar", "EnvironmentCallbackContext", "ExecutableBuilder", "ExecutableResource",
    "ExecutionContext", "GeneratedValue", "HealthCheckContext", "LogLine", "ModelError", "ModelProblem", "ModelWarning", "OutputReference",
    "ParameterBuilder", "ParameterResource", "ReferenceExpression", "RenderContext",
    "ReplicaSnapshot", "Resource", "ResourceBuilder", "ResourceReady", "ResourceSnapshot",
    "ResourceStopped", "ResourceWithConnectionString", "ResourceWithEndpoints",
    "ResourceWithEnvironment", "ResourceWithWaitSupport", "RunOptions", "RunningApp", "Url",
    "Value", "ValueProvider", "__version__", "expr",
}

EXTENSION_API = {
    "ACTIVE_STATES", "AGE_COLUMN", "BeforeAppStart", "BeforeResourceStart", "BoundedRing",
    "Broadcast", "Buffer", "COMMAND_RULES", "CommandArgument", "CommandResult", "CommandState", "ConfigurationError",
    "ConnectionPropertiesEnv", "Controller", "ControllerContext", "ControllerFactory",
    "ControllerFailed", "DropAndCount", "EnvStep", "EnvValue", "EventSubscription",
    "ExecutionContext", "FAILED_STATES", "FieldError", "GoneOnOverflow", "HandlerContext",
    "HandlerFactory", "HandlerRegistry", "HealthCheckContext", "HealthReport", "HealthStatus", "HiddenAnnotation",
    "KINDS", "KindRegistry", "KindSpec", "LABEL_PREFIX", "LABEL_RESOURCE", "LatestPerKey",
    "LaunchPlan", "LifecycleBuilder", "ListenPortEnv", "NAME_COLUMN", "Obj", "ObjectStore",
    "OutputReference", "OverflowPolicy", "PARENT", "PUBLISH", "PermanentError", "PyspireError",
    "RUN", "RUN_MODE_POLICIES", "Registration", "RelationshipAnnotation", "RenderContext",
    "RenderError", "RenderableValue", "RenderedLaunch", "ResourceHandler", "ResourceHandlerBase",
    "ResourceReady", "ResourceSnapshot", "ResourceState", "ResourceStopped",
    "ResourceWithConnectionProperties", "ResourceWithConnectionString", "ResourceWithEndpoints",
    "ResourceWithEnvironment", "ResourceWithReferenceHook", "ResourceWithWaitSupport", "Result", "Ring", "RunModeContext", "RunModePolicies",
    "RunModePolicy", "SETTLED_STATES", "STARTING_STATES", "STATE_STYLES", "STOPPED_STATES",
    "StateDir", "Subscription", "SupervisionPolicy", "TERMINAL_STATES", "TableColumn",
    "TeardownPhase", "TelemetryEnv", "TemporaryError", "UpdateValidator", "Url", "ValueContext",
    "ValueProvider", "WatchEvent", "EncodedValue", "url_encoded", "url_part", "can_be_referenced", "connection_properties_of", "connection_string_of", "forbidden",
    "invalid", "is_hidden", "parent_of", "plan_launch", "relationships_of", "render_launch",
    "render_launch_async", "render_plan", "render_value", "required", "resource_handlers",
    "writable_spec_fields", "write_atomic",
    "APP_HOST_SERVICES", "AppHostService", "AppHostServiceContext", "AppHostServiceFactory",
    "AppHostServices", "AppHostSetup", "HttpServer", "setting_count", "setting_flag", "setting_port", "LiveStream",
    "ContainerAccess", "NoContainerAccess", "SecretEnvValue", "ParkingLot", "bind_listeners",
}


def test_the_app_host_api_is_exactly_the_names_decided():
    assert set(pyspire.__all__) == APP_HOST_API
    assert len(pyspire.__all__) == len(APP_HOST_API), "a name is listed twice"


def test_the_extension_api_is_exactly_the_names_decided_and_each_resolves():
    assert set(pyspire.extensions.__all__) == EXTENSION_API
    assert len(pyspire.extensions.__all__) == len(EXTENSION_API), "a name is listed twice"
    for name in EXTENSION_API:
        assert getattr(pyspire.extensions, name) is not None, name
