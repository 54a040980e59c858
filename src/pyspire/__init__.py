"""pyspire: a code-first orchestrator for distributed applications.

Describe every process of an app in ``apphost.py`` and run it with ``pyspire run``::

    from pyspire import DistributedApplication

    builder = DistributedApplication.create_builder()
    api = builder.add_executable("api", "python", "./api", "server.py").with_http_endpoint(env="PORT")
    builder.add_executable("worker", "python", ".", "worker.py").with_reference(api)
    builder.build().run()
"""

import pyspire.runtime.startup  # noqa: F401, I001 - first: start-up is timed from here

import importlib
from typing import TYPE_CHECKING, Any

from pyspire._version import VERSION

if TYPE_CHECKING:  # the names below, for type checkers; at run time they load on first use
    from pyspire.app import DistributedApplication, DistributedApplicationBuilder, RunningApp, RunOptions
    from pyspire.executor.snapshots import EnvVar, ReplicaSnapshot, ResourceSnapshot, Url
    from pyspire.model import (
        AllocatedEndpoint,
        ArgsCallbackContext,
        CommandArgument,
        ConnectionStringBuilder,
        ConnectionStringResource,
        ContainerBuilder,
        ContainerResource,
        EndpointPart,
        EndpointReference,
        EnvironmentCallbackContext,
        ExecutableBuilder,
        ExecutableResource,
        ExecutionContext,
        GeneratedValue,
        HealthCheckContext,
        ModelError,
        ModelProblem,
        ModelWarning,
        ParameterBuilder,
        ParameterResource,
        ReferenceExpression,
        RenderContext,
        Resource,
        ResourceBuilder,
        ResourceWithConnectionString,
        ResourceWithEndpoints,
        ResourceWithEnvironment,
        ResourceWithWaitSupport,
        Value,
        ValueProvider,
        expr,
    )
    from pyspire.model.events import BeforeAppStart, BeforeResourceStart, ResourceReady, ResourceStopped
    from pyspire.model.outputs import OutputReference
    from pyspire.orchestrator.logs import LogLine

#: Public name → the module that defines it. Loaded on first use, so that ``pyspire ps`` or
#: ``pyspire describe`` (clients of a running app host) do not pay for importing the whole app
#: host (asyncio, uvicorn, the orchestrator) just to print a table.
_EXPORTS: dict[str, str] = {
    "BeforeAppStart": "pyspire.model.events",
    "BeforeResourceStart": "pyspire.model.events",
    "ResourceReady": "pyspire.model.events",
    "ResourceStopped": "pyspire.model.events",
    "OutputReference": "pyspire.model.outputs",
    "DistributedApplication": "pyspire.app",
    "DistributedApplicationBuilder": "pyspire.app",
    "RunningApp": "pyspire.app",
    "RunOptions": "pyspire.app",
    "EnvVar": "pyspire.executor.snapshots",
    "ReplicaSnapshot": "pyspire.executor.snapshots",
    "ResourceSnapshot": "pyspire.executor.snapshots",
    "Url": "pyspire.executor.snapshots",
    "AllocatedEndpoint": "pyspire.model",
    "ArgsCallbackContext": "pyspire.model",
    "CommandArgument": "pyspire.model",
    "ConnectionStringBuilder": "pyspire.model",
    "ConnectionStringResource": "pyspire.model",
    "ContainerBuilder": "pyspire.model",
    "ContainerResource": "pyspire.model",
    "EndpointPart": "pyspire.model",
    "EndpointReference": "pyspire.model",
    "EnvironmentCallbackContext": "pyspire.model",
    "ExecutableBuilder": "pyspire.model",
    "ExecutableResource": "pyspire.model",
    "GeneratedValue": "pyspire.model",
    "HealthCheckContext": "pyspire.model",
    "ModelError": "pyspire.model",
    "ModelProblem": "pyspire.model",
    "ModelWarning": "pyspire.model",
    "ParameterBuilder": "pyspire.model",
    "ParameterResource": "pyspire.model",
    "ReferenceExpression": "pyspire.model",
    "Resource": "pyspire.model",
    "ResourceBuilder": "pyspire.model",
    # capabilities and rendering (issue 11 items 5, 8)
    "ExecutionContext": "pyspire.model",
    "RenderContext": "pyspire.model",
    "ResourceWithConnectionString": "pyspire.model",
    "ResourceWithEndpoints": "pyspire.model",
    "ResourceWithEnvironment": "pyspire.model",
    "ResourceWithWaitSupport": "pyspire.model",
    "Value": "pyspire.model",
    "ValueProvider": "pyspire.model",
    "expr": "pyspire.model",
    "LogLine": "pyspire.orchestrator.logs",
}

__version__ = VERSION


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pyspire' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "AllocatedEndpoint",
    "ArgsCallbackContext",
    "BeforeAppStart",
    "BeforeResourceStart",
    "CommandArgument",
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
    "ExecutionContext",
    "GeneratedValue",
    "HealthCheckContext",
    "LogLine",
    "ModelError",
    "ModelProblem",
    "ModelWarning",
    "OutputReference",
    "ParameterBuilder",
    "ParameterResource",
    "ReferenceExpression",
    "RenderContext",
    "ReplicaSnapshot",
    "Resource",
    "ResourceBuilder",
    "ResourceReady",
    "ResourceSnapshot",
    "ResourceStopped",
    "ResourceWithConnectionString",
    "ResourceWithEndpoints",
    "ResourceWithEnvironment",
    "ResourceWithWaitSupport",
    "RunOptions",
    "RunningApp",
    "Url",
    "Value",
    "ValueProvider",
    "__version__",
    "expr",
]
