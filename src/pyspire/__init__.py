"""pyspire: a code-first orchestrator for distributed applications.

Describe every process of an app in ``apphost.py`` and run it with ``pyspire run``::

    from pyspire import DistributedApplication

    builder = DistributedApplication.create_builder()
    api = builder.add_executable("api", "python", "./api", "server.py").with_http_endpoint(env="PORT")
    builder.add_executable("worker", "python", ".", "worker.py").with_reference(api)
    builder.build().run()
"""

from pyspire._version import VERSION
from pyspire.app import DistributedApplication, DistributedApplicationBuilder, RunningApp, RunOptions
from pyspire.executor.snapshots import EnvVar, ReplicaSnapshot, ResourceSnapshot, Url
from pyspire.model import (
    AllocatedEndpoint,
    ArgsCallbackContext,
    ConnectionStringBuilder,
    ConnectionStringResource,
    ContainerBuilder,
    ContainerResource,
    EndpointPart,
    EndpointReference,
    EnvironmentCallbackContext,
    ExecutableBuilder,
    ExecutableResource,
    ModelError,
    ModelProblem,
    ParameterBuilder,
    ParameterResource,
    ReferenceExpression,
    Resource,
    ResourceBuilder,
    Value,
    ValueProvider,
    expr,
)
from pyspire.orchestrator.logs import LogLine

__version__ = VERSION

__all__ = [
    "AllocatedEndpoint",
    "ArgsCallbackContext",
    "ConnectionStringBuilder",
    "ConnectionStringResource",
    "ContainerBuilder",
    "ContainerResource",
    "DistributedApplication",
    "DistributedApplicationBuilder",
    "EndpointPart",
    "EndpointReference",
    "EnvVar",
    "EnvironmentCallbackContext",
    "ExecutableBuilder",
    "ExecutableResource",
    "LogLine",
    "ModelError",
    "ModelProblem",
    "ParameterBuilder",
    "ParameterResource",
    "ReferenceExpression",
    "ReplicaSnapshot",
    "Resource",
    "ResourceBuilder",
    "ResourceSnapshot",
    "RunOptions",
    "RunningApp",
    "Url",
    "Value",
    "ValueProvider",
    "__version__",
    "expr",
]
