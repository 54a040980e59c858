"""The app model: resources, annotations, values and builders. Pure data; no I/O."""

from pyspire.model.annotations import (
    ArgsCallbackContext,
    EnvironmentCallbackContext,
)
from pyspire.model.builder import (
    AppModel,
    AppModelBuilder,
    ConnectionStringBuilder,
    ContainerBuilder,
    ExecutableBuilder,
    ParameterBuilder,
    ResourceBuilder,
)
from pyspire.model.capabilities import (
    ResourceWithConnectionString,
    ResourceWithEndpoints,
    ResourceWithEnvironment,
    ResourceWithWaitSupport,
)
from pyspire.model.command_arguments import CommandArgument, CommandArgumentError
from pyspire.model.endpoints import AllocatedEndpoint, EndpointAnnotation, EndpointPart, EndpointReference
from pyspire.model.errors import ModelError, ModelProblem, ModelWarning, RenderError, ResolutionError
from pyspire.model.execution import ExecutionContext
from pyspire.model.generated import GeneratedValue
from pyspire.model.lifecycle import HealthCheckContext
from pyspire.model.resources import (
    ConfiguredValueResource,
    ConnectionStringResource,
    ContainerResource,
    ExecutableResource,
    ParameterResource,
    Resource,
    RunnableResource,
)
from pyspire.model.values import (
    ReferenceExpression,
    RenderableValue,
    RenderContext,
    Value,
    ValueContext,
    ValueProvider,
    expr,
)

__all__ = [
    "AllocatedEndpoint",
    "AppModel",
    "AppModelBuilder",
    "ArgsCallbackContext",
    "CommandArgument",
    "CommandArgumentError",
    "ConfiguredValueResource",
    "ConnectionStringBuilder",
    "ConnectionStringResource",
    "ContainerBuilder",
    "ContainerResource",
    "EndpointAnnotation",
    "EndpointPart",
    "EndpointReference",
    "EnvironmentCallbackContext",
    "ExecutionContext",
    "GeneratedValue",
    "HealthCheckContext",
    "ExecutableBuilder",
    "ExecutableResource",
    "ModelError",
    "ModelProblem",
    "ModelWarning",
    "ParameterBuilder",
    "ParameterResource",
    "ReferenceExpression",
    "RenderContext",
    "RenderError",
    "RenderableValue",
    "ResolutionError",
    "Resource",
    "ResourceBuilder",
    "ResourceWithConnectionString",
    "ResourceWithEndpoints",
    "ResourceWithEnvironment",
    "ResourceWithWaitSupport",
    "RunnableResource",
    "Value",
    "ValueContext",
    "ValueProvider",
    "expr",
]
