"""Whole-model validation, run by ``build()`` before anything starts.

Every rule produces a :class:`ModelProblem` naming the resource, the field and the fix, and all
problems are reported together so a user fixes their app host in one pass.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from pyspire.model.annotations import ArgsAnnotation, EnvironmentAnnotation, ReferenceAnnotation
from pyspire.model.builder import AppModel
from pyspire.model.container_validation import (
    container_problems,
    exec_check_problems,
    unreachable_reference_problems,
)
from pyspire.model.endpoints import EndpointPart, EndpointReference
from pyspire.model.errors import ModelError, ModelProblem
from pyspire.model.lifecycle_validation import lifecycle_problems, wait_cycles
from pyspire.model.names import name_problem
from pyspire.model.resources import (
    ConfiguredValueResource,
    ContainerResource,
    ExecutableResource,
    Resource,
    RunnableResource,
)
from pyspire.model.values import ReferenceExpression, ValueProvider


def validate(model: AppModel) -> None:
    """Raise :class:`ModelError` listing every problem in ``model``; return quietly if none."""
    problems = list(find_problems(model))
    if problems:
        raise ModelError(problems)


def find_problems(model: AppModel) -> Iterator[ModelProblem]:
    members = {id(r) for r in model.resources}
    yield from _name_problems(model)
    for resource in model.resources:
        yield from _endpoint_problems(resource)
        yield from _reference_problems(resource, members)
        yield from lifecycle_problems(resource, members)
        yield from exec_check_problems(resource)
        yield from unreachable_reference_problems(resource, _endpoints_used(resource))
        if isinstance(resource, RunnableResource):
            yield from _runnable_problems(resource)
        if isinstance(resource, ExecutableResource) and not resource.command:
            yield ModelProblem(resource.name, "command", "the command is empty")
        if isinstance(resource, ContainerResource):
            yield from container_problems(resource)
    yield from wait_cycles(model)


def _name_problems(model: AppModel) -> Iterator[ModelProblem]:
    counts = Counter(r.name for r in model.resources)
    for name, count in counts.items():
        if count > 1:
            yield ModelProblem(name, "name", f"{count} resources share this name; give each a unique name")
    for resource in model.resources:
        problem = name_problem(resource.name)
        if problem:
            yield ModelProblem(resource.name, "name", problem)


def _endpoint_problems(resource: Resource) -> Iterator[ModelProblem]:
    endpoints = resource.endpoints
    counts = Counter(e.name for e in endpoints)
    for name, count in counts.items():
        if count > 1:
            yield ModelProblem(
                resource.name, f"endpoint '{name}'", f"declared {count} times; endpoint names must be unique"
            )
    replicas = resource.replicas if isinstance(resource, RunnableResource) else 1
    for ep in endpoints:
        field = f"endpoint '{ep.name}'"
        problem = name_problem(ep.name)
        if problem:
            yield ModelProblem(resource.name, f"{field} name", problem)
        for label, port in (("port", ep.port), ("target_port", ep.target_port)):
            if port is not None and not 1 <= port <= 65535:
                yield ModelProblem(resource.name, f"{field} {label}", f"{port} is not a port (1-65535)")
        if ep.protocol not in ("tcp", "udp"):
            yield ModelProblem(resource.name, f"{field} protocol", f"{ep.protocol!r}: use 'tcp' or 'udp'")
        # A container's target port is inside the container, so it never clashes with a host port.
        container = isinstance(resource, ContainerResource)
        if not container and ep.proxied and ep.port is not None and ep.port == ep.target_port:
            yield ModelProblem(
                resource.name,
                field,
                f"a proxied endpoint cannot use the same port ({ep.port}) for the proxy and the process; "
                "drop target_port, or pass proxied=False to have the process listen on the port itself",
            )
        if (
            not container
            and not ep.proxied
            and ep.port is not None
            and ep.target_port is not None
            and ep.port != ep.target_port
        ):
            yield ModelProblem(
                resource.name,
                field,
                f"a proxyless endpoint listens directly on its port, so port ({ep.port}) and "
                f"target_port ({ep.target_port}) must be equal; give only one of them",
            )
        if replicas > 1 and not ep.proxied:
            yield ModelProblem(
                resource.name,
                field,
                f"{replicas} replicas cannot share a proxyless endpoint; keep the endpoint proxied "
                "or use one replica",
            )
        if replicas > 1 and ep.target_port is not None:
            yield ModelProblem(
                resource.name,
                f"{field} target_port",
                f"{replicas} replicas cannot all listen on target_port {ep.target_port}; drop target_port "
                "so each replica gets its own port behind the proxy",
            )


def _values_in(resource: Resource) -> Iterator[tuple[str, ValueProvider]]:
    """Every value provider recorded in the resource's environment and arguments, with its field."""
    for env in resource.annotations_of(EnvironmentAnnotation):
        if not isinstance(env.value, str):
            yield f"env {env.name}", env.value
    for args in resource.annotations_of(ArgsAnnotation):
        for arg in args.args:
            if not isinstance(arg, str):
                yield "args", arg


def _flatten(value: ValueProvider) -> Iterator[ValueProvider]:
    if isinstance(value, ReferenceExpression):
        for part in value.value_providers:
            yield from _flatten(part)
    else:
        yield value


def _endpoints_used(resource: Resource) -> Iterator[tuple[str, EndpointReference]]:
    for field, value in _values_in(resource):
        for provider in _flatten(value):
            endpoint = provider.endpoint if isinstance(provider, EndpointPart) else provider
            if isinstance(endpoint, EndpointReference):
                yield field, endpoint


def _reference_problems(resource: Resource, members: set[int]) -> Iterator[ModelProblem]:
    for ref in resource.annotations_of(ReferenceAnnotation):
        target = ref.target
        field = f"with_reference({target.name!r})"
        if id(target) not in members:
            yield ModelProblem(
                resource.name,
                field,
                "the referenced resource is not in this app model; add it with this builder",
            )
            continue
        if target is resource:
            yield ModelProblem(resource.name, field, "a resource cannot reference itself")
        if not target.endpoints and not isinstance(target, ConfiguredValueResource):
            yield ModelProblem(
                resource.name, field, f"'{target.name}' has no endpoints or connection string to reference"
            )
        if ref.endpoint_name and ref.endpoint_name not in {e.name for e in target.endpoints}:
            yield ModelProblem(resource.name, field, f"'{target.name}' has no endpoint '{ref.endpoint_name}'")
        if ref.connection_name is not None and name_problem(ref.connection_name):
            yield ModelProblem(
                resource.name, f"{field} connection_name", str(name_problem(ref.connection_name))
            )
    for field, value in _values_in(resource):
        for provider in _flatten(value):
            endpoint = provider.endpoint if isinstance(provider, EndpointPart) else provider
            used: object = endpoint.resource if isinstance(endpoint, EndpointReference) else provider
            if isinstance(used, Resource) and id(used) not in members:
                yield ModelProblem(
                    resource.name, field, f"uses '{used.name}', which is not in this app model"
                )
            elif isinstance(endpoint, EndpointReference) and endpoint.endpoint_name not in {
                e.name for e in endpoint.resource.endpoints
            }:
                yield ModelProblem(
                    resource.name,
                    field,
                    f"'{endpoint.resource.name}' has no endpoint '{endpoint.endpoint_name}'; declare it "
                    "with with_endpoint/with_http_endpoint",
                )


def _runnable_problems(resource: RunnableResource) -> Iterator[ModelProblem]:
    if resource.replicas < 1:
        yield ModelProblem(
            resource.name, "replicas", f"{resource.replicas} is not a replica count; use 1 or more"
        )
    if resource.stop_grace_period < 0:
        yield ModelProblem(resource.name, "stop_grace_period", "must be 0 seconds or more")
    lines = resource.log_buffer_lines
    if lines is not None and lines < 1:
        yield ModelProblem(resource.name, "log_buffer", "keep at least 1 line")
