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
from pyspire.model.endpoints import AllocatedEndpoint, EndpointAnnotation, EndpointPart, EndpointReference
from pyspire.model.errors import ModelError, ModelProblem, ModelWarning, ResolutionError
from pyspire.model.resources import (
    ConfiguredValueResource,
    ConnectionStringResource,
    ContainerResource,
    ExecutableResource,
    ParameterResource,
    Resource,
    RunnableResource,
)
from pyspire.model.values import ReferenceExpression, Value, ValueContext, ValueProvider, expr

__all__ = [
    "AllocatedEndpoint",
    "AppModel",
    "AppModelBuilder",
    "ArgsCallbackContext",
    "ConfiguredValueResource",
    "ConnectionStringBuilder",
    "ConnectionStringResource",
    "ContainerBuilder",
    "ContainerResource",
    "EndpointAnnotation",
    "EndpointPart",
    "EndpointReference",
    "EnvironmentCallbackContext",
    "ExecutableBuilder",
    "ExecutableResource",
    "ModelError",
    "ModelProblem",
    "ModelWarning",
    "ParameterBuilder",
    "ParameterResource",
    "ReferenceExpression",
    "ResolutionError",
    "Resource",
    "ResourceBuilder",
    "RunnableResource",
    "Value",
    "ValueContext",
    "ValueProvider",
    "expr",
]
