"""Whole-model validation, run by ``build()`` before anything starts.

Every rule produces a :class:`ModelProblem` naming the resource, the field, the fix and (when
known) the user's line, and all problems are reported together so a user fixes their app host in
one pass. A mistake found in several places (one misspelt endpoint used in three variables) is
reported once, with every field and line it appears in.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterable, Iterator

from pyspire.model.annotations import (
    Annotation,
    ArgsAnnotation,
    ConnectionStringAnnotation,
    EnvironmentAnnotation,
    LogBufferAnnotation,
    ReferenceAnnotation,
    RejectedCallAnnotation,
    ReplicasAnnotation,
    StopGracePeriodAnnotation,
)
from pyspire.model.builder import AppModel
from pyspire.model.call_site import CallSite
from pyspire.model.capabilities import can_be_referenced
from pyspire.model.container_validation import (
    container_problems,
    exec_check_problems,
    unreachable_reference_problems,
)
from pyspire.model.endpoint_validation import endpoint_problems, environment_problems, missing_endpoint
from pyspire.model.endpoints import EndpointPart, EndpointReference
from pyspire.model.env_files import env_file_problems
from pyspire.model.errors import ModelError, ModelProblem, ModelWarning
from pyspire.model.lifecycle_validation import (
    ignored_setting_warnings,
    lifecycle_problems,
    wait_cycles,
    wait_warnings,
)
from pyspire.model.names import env_name_part, name_problem
from pyspire.model.otlp_exporter import otlp_exporter_problems
from pyspire.model.relationship_validation import relationship_problems
from pyspire.model.resources import (
    ContainerResource,
    ExecutableResource,
    ParameterResource,
    Resource,
    RunnableResource,
)
from pyspire.model.stop_signals import stop_signal_problems
from pyspire.model.values import ReferenceExpression, ValueProvider

#: Replicas one app may run in all. Each replica is a process with its own port, pipes and log in
#: the app host: about 3 of its file descriptors, besides the 2 that every proxied connection
#: holds. 1,000 replicas use 3,000 of the 20,000 a typical limit gives and start in a few seconds;
#: a million (accepted once) took 1.7 GB and 25 s before failing, and ignored Ctrl+C meanwhile.
MAX_REPLICAS = 1000
_REPLICA_REASON = (
    f"at most {MAX_REPLICAS:,} replicas run in one app: each is a process with its own port, pipes and "
    "log, holding about 3 of the app host's file descriptors, which proxied connections need too"
)


def validate(model: AppModel) -> None:
    """Raise :class:`ModelError` listing every problem in ``model``; return quietly if none."""
    problems = merge_repeats(find_problems(model))
    if problems:
        raise ModelError(problems)


def merge_repeats(problems: Iterable[ModelProblem]) -> list[ModelProblem]:
    """One line per mistake: the same problem found again (one misspelt endpoint used twice in an
    expression) is reported once, with every line it was found at, in the order first seen."""
    merged: dict[tuple[str, str, str], ModelProblem] = {}
    for problem in problems:
        key = (problem.resource, problem.field, problem.message)
        seen = merged.get(key)
        if seen is None:
            merged[key] = problem
        else:
            sites = seen.locations + tuple(s for s in problem.locations if s not in seen.locations)
            merged[key] = ModelProblem(seen.resource, seen.field, seen.message, sites)
    return list(merged.values())


def _one_per_cause(problems: Iterable[ModelProblem]) -> Iterator[ModelProblem]:
    """Problems whose message names their cause ("'api' has no endpoint 'tpc'"): the same cause
    met in several fields becomes one problem listing the fields."""
    fields: dict[tuple[str, str], list[str]] = {}
    sites: dict[tuple[str, str], list[CallSite]] = {}
    for problem in problems:
        key = (problem.resource, problem.message)
        seen_fields, seen_sites = fields.setdefault(key, []), sites.setdefault(key, [])
        if problem.field not in seen_fields:
            seen_fields.append(problem.field)
        seen_sites.extend(s for s in problem.locations if s not in seen_sites)
    for (resource, message), names in fields.items():
        yield ModelProblem(resource, ", ".join(names), message, tuple(sites[(resource, message)]))


def find_problems(model: AppModel) -> Iterator[ModelProblem]:
    members = {id(r) for r in model.resources}
    broken = {id(r) for r in model.resources if any(a.defines_resource for a in _rejected(r))}
    for resource in model.resources:
        for call in _rejected(resource):
            yield ModelProblem(resource.name, call.field, call.message, resource.origin_of(call))
    sound = [r for r in model.resources if id(r) not in broken]
    yield from _name_problems(sound)
    for resource in sound:
        yield from endpoint_problems(resource)
        yield from environment_problems(resource)
        yield from _reference_problems(resource, members)
        yield from lifecycle_problems(resource, members)
        yield from exec_check_problems(resource)
        yield from unreachable_reference_problems(resource, _endpoints_used(resource))
        if isinstance(resource, RunnableResource):
            yield from _runnable_problems(resource)
            yield from env_file_problems(resource)
            yield from stop_signal_problems(resource)
            yield from otlp_exporter_problems(resource)
        if isinstance(resource, ExecutableResource) and not resource.command:
            yield ModelProblem(resource.name, "command", "the command is empty", resource.origin_of())
        if isinstance(resource, ContainerResource):
            yield from container_problems(resource)
    yield from _replica_total(sound)
    yield from wait_cycles(model)
    yield from relationship_problems(sound)


def _rejected(resource: Resource) -> list[RejectedCallAnnotation]:
    return resource.annotations_of(RejectedCallAnnotation)


def _name_problems(resources: list[Resource]) -> Iterator[ModelProblem]:
    counts = Counter(r.name for r in resources)
    for name, count in counts.items():
        if count > 1:
            sites = tuple(s for r in resources if r.name == name for s in r.origin_of())
            yield ModelProblem(name, "name", f"{count} resources share this name; give each a unique name", sites)
    for resource in resources:
        problem = name_problem(resource.name)
        if problem:
            yield ModelProblem(resource.name, "name", problem, resource.origin_of())


def _values_in(resource: Resource) -> Iterator[tuple[str, Annotation, ValueProvider]]:
    """Every value provider recorded in the resource's environment and arguments, with its field
    and the annotation that holds it."""
    for env in resource.annotations_of(EnvironmentAnnotation):
        if not isinstance(env.value, str):
            yield f"env {env.name}", env, env.value
    for args in resource.annotations_of(ArgsAnnotation):
        for arg in args.args:
            if not isinstance(arg, str):
                yield "args", args, arg
    for connection in resource.annotations_of(ConnectionStringAnnotation):
        yield "with_connection_string", connection, connection.value


def _flatten(value: ValueProvider) -> Iterator[ValueProvider]:
    if isinstance(value, ReferenceExpression):
        for part in value.value_providers:
            yield from _flatten(part)
    else:
        yield value


def _endpoints_used(resource: Resource) -> Iterator[tuple[str, EndpointReference]]:
    for field, _, value in _values_in(resource):
        for provider in _flatten(value):
            endpoint = provider.endpoint if isinstance(provider, EndpointPart) else provider
            if isinstance(endpoint, EndpointReference):
                yield field, endpoint


def _reference_problems(resource: Resource, members: set[int]) -> Iterator[ModelProblem]:
    for ref in resource.annotations_of(ReferenceAnnotation):
        target = ref.target
        field = f"with_reference({target.name!r})"
        at = resource.origin_of(ref)
        if id(target) not in members:
            yield ModelProblem(
                resource.name, field, "the referenced resource is not in this app model; add it with this builder", at
            )
            continue
        if target is resource:
            yield ModelProblem(resource.name, field, "a resource cannot reference itself", at)
        if not can_be_referenced(target):
            yield ModelProblem(resource.name, field, _unreferenceable(target), at)
        if ref.endpoint_name and ref.endpoint_name not in {e.name for e in target.endpoints}:
            yield ModelProblem(resource.name, field, missing_endpoint(target, ref.endpoint_name), at)
        if ref.connection_name is not None and name_problem(ref.connection_name):
            yield ModelProblem(resource.name, f"{field} connection_name", str(name_problem(ref.connection_name)), at)
    yield from _one_per_cause(_value_problems(resource, members))


def _unreferenceable(target: Resource) -> str:
    if isinstance(target, ParameterResource):
        return (
            f"a parameter has no endpoints or connection string to reference; pass it as a value, "
            f"e.g. with_env('{env_name_part(target.name)}', {target.name.replace('-', '_')})"
        )
    return (
        f"'{target.name}' has no endpoints or connection string to reference; give it an endpoint, "
        "or with_connection_string(...)"
    )


def _value_problems(resource: Resource, members: set[int]) -> Iterator[ModelProblem]:
    """Endpoints and resources used in the environment and arguments that do not exist."""
    for field, annotation, value in _values_in(resource):
        at = resource.origin_of(annotation)
        for provider in _flatten(value):
            endpoint = provider.endpoint if isinstance(provider, EndpointPart) else provider
            used: object = endpoint.resource if isinstance(endpoint, EndpointReference) else provider
            if isinstance(used, Resource) and id(used) not in members:
                yield ModelProblem(resource.name, field, f"uses '{used.name}', which is not in this app model", at)
            elif isinstance(endpoint, EndpointReference) and endpoint.endpoint_name not in {
                e.name for e in endpoint.resource.endpoints
            }:
                yield ModelProblem(resource.name, field, missing_endpoint(endpoint.resource, endpoint.endpoint_name), at)


def _runnable_problems(resource: RunnableResource) -> Iterator[ModelProblem]:
    count = resource.replicas
    at = resource.origin_of(resource.last_annotation(ReplicasAnnotation))
    if count < 1:
        yield ModelProblem(resource.name, "replicas", f"{count} is not a replica count; use 1 or more", at)
    elif count > MAX_REPLICAS:
        yield ModelProblem(resource.name, "replicas", f"{count:,} is too many; {_REPLICA_REASON}", at)
    if resource.stop_grace_period < 0:
        at = resource.origin_of(resource.last_annotation(StopGracePeriodAnnotation))
        yield ModelProblem(resource.name, "stop_grace_period", "must be 0 seconds or more", at)
    lines = resource.log_buffer_lines
    if lines is not None and lines < 1:
        at = resource.origin_of(resource.last_annotation(LogBufferAnnotation))
        yield ModelProblem(resource.name, "log_buffer", "keep at least 1 line", at)


def _replica_total(resources: list[Resource]) -> Iterator[ModelProblem]:
    """The app as a whole: many resources of a few hundred replicas each exhaust the same host."""
    runnable = [r for r in resources if isinstance(r, RunnableResource) and 1 <= r.replicas <= MAX_REPLICAS]
    total = sum(r.replicas for r in runnable)
    if total <= MAX_REPLICAS:
        return
    largest = max(runnable, key=lambda r: r.replicas)
    shares = ", ".join(f"{r.name}: {r.replicas:,}" for r in runnable if r.replicas > 1) or f"{len(runnable)} resources"
    yield ModelProblem(
        largest.name,
        "replicas",
        f"the app would run {total:,} replicas in all ({shares}); {_REPLICA_REASON}",
        largest.origin_of(largest.last_annotation(ReplicasAnnotation)),
    )


def issue_warnings(model: AppModel) -> list[ModelProblem]:
    """Issue a :class:`ModelWarning` for each thing in ``model`` that is valid but probably not
    meant, through :mod:`warnings` (so ``pyspire run``, ``python apphost.py`` and pytest all show
    it, at the user's line, and it can be filtered or turned into an error). Returns them."""
    found = merge_repeats([*wait_warnings(model), *ignored_setting_warnings(model)])
    for problem in found:
        text = f"resource '{problem.resource}', {problem.field}: {problem.message}"
        if problem.locations:
            site = problem.locations[0]
            warnings.warn_explicit(text, ModelWarning, site.filename, site.lineno)
        else:
            warnings.warn(text, ModelWarning, stacklevel=3)
    return found
