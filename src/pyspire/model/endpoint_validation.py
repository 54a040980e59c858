"""Validation of endpoints and of what reaches a process's environment and command line.

These are the mistakes that otherwise fail at run time in the least helpful way: an environment
name with ``=`` makes the spawn fail and leaves the resource stuck in Starting; two endpoints
writing the same ``env=`` variable leave one of them with a process that never listens on it.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterator

from pyspire.model.annotations import ArgsAnnotation, EnvironmentAnnotation
from pyspire.model.endpoints import EndpointAnnotation
from pyspire.model.errors import ModelProblem
from pyspire.model.names import name_problem
from pyspire.model.resources import ContainerResource, Resource, RunnableResource


def env_name_problem(name: str) -> str | None:
    """Say what is wrong with ``name`` as an environment variable name, or ``None``.

    Names are not held to POSIX's ``[A-Za-z_][A-Za-z0-9_]*``: pyspire itself sets
    ``services__api-1__http__0``, and programs read such names fine. Only what the kernel cannot
    pass is rejected: an empty name, ``=`` (it ends the name) and NUL (it ends the string)."""
    if not name:
        return "the variable name is empty; pass a name such as 'PORT'"
    if "=" in name:
        return f"{name!r} contains '='; a variable name cannot, pass the name and the value apart"
    if "\0" in name:
        return f"{name!r} contains a NUL character, which no environment can hold"
    return None


def missing_endpoint(target: Resource, name: str) -> str:
    """The message for a reference to endpoint ``name`` that ``target`` does not declare: which
    endpoints it has, and the closest one when the name looks like a typo."""
    declared = [e.name for e in target.endpoints]
    if not declared:
        return (
            f"'{target.name}' has no endpoint '{name}' (it declares none); declare it with "
            "with_endpoint/with_http_endpoint"
        )
    close = difflib.get_close_matches(str(name), declared, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    listed = ", ".join(f"'{n}'" for n in declared)
    return f"'{target.name}' has no endpoint '{name}' ({hint}its endpoints: {listed})"


def endpoint_problems(resource: Resource) -> Iterator[ModelProblem]:
    endpoints = resource.endpoints
    for name, count in Counter(e.name for e in endpoints).items():
        if count > 1:
            sites = tuple(s for e in endpoints if e.name == name for s in resource.origin_of(e))
            yield ModelProblem(
                resource.name,
                f"endpoint '{name}'",
                f"declared {count} times; endpoint names must be unique",
                sites,
            )
    env_counts = Counter(e.env for e in endpoints if e.env)
    for env, count in env_counts.items():
        if count > 1:
            users = [e for e in endpoints if e.env == env]
            yield ModelProblem(
                resource.name,
                f"env={env!r}",
                f"{count} endpoints ({', '.join(repr(e.name) for e in users)}) write the port to listen on "
                f"into {env}, so the process could listen on only one of them; give each endpoint its own env=",
                tuple(s for e in users for s in resource.origin_of(e)),
            )
    replicas = resource.replicas if isinstance(resource, RunnableResource) else 1
    container = isinstance(resource, ContainerResource)
    for ep in endpoints:
        yield from _one_endpoint_problems(resource, ep, replicas, container)


def _one_endpoint_problems(
    resource: Resource, ep: EndpointAnnotation, replicas: int, container: bool
) -> Iterator[ModelProblem]:
    field = f"endpoint '{ep.name}'"
    at = resource.origin_of(ep)

    def problem(where: str, message: str) -> ModelProblem:
        return ModelProblem(resource.name, where, message, at)

    found = name_problem(ep.name)
    if found:
        yield problem(f"{field} name", found)
    for label, port in (("port", ep.port), ("target_port", ep.target_port)):
        if port is not None and not 1 <= port <= 65535:
            yield problem(f"{field} {label}", f"{port} is not a port (1-65535)")
    if ep.protocol not in ("tcp", "udp"):
        yield problem(f"{field} protocol", f"{ep.protocol!r}: use 'tcp' or 'udp'")
    if ep.env is not None and env_name_problem(ep.env):
        yield problem(f"{field} env", str(env_name_problem(ep.env)))
    # A container's target port is inside the container, so it never clashes with a host port.
    if not container and ep.proxied and ep.port is not None and ep.port == ep.target_port:
        yield problem(
            field,
            f"a proxied endpoint cannot use the same port ({ep.port}) for the proxy and the process; "
            "drop target_port, or pass proxied=False to have the process listen on the port itself",
        )
    if not container and not ep.proxied and None not in (ep.port, ep.target_port) and ep.port != ep.target_port:
        yield problem(
            field,
            f"a proxyless endpoint listens directly on its port, so port ({ep.port}) and "
            f"target_port ({ep.target_port}) must be equal; give only one of them",
        )
    if replicas > 1 and not ep.proxied:
        yield problem(
            field,
            f"{replicas} replicas cannot share a proxyless endpoint; keep the endpoint proxied or use one replica",
        )
    if replicas > 1 and ep.target_port is not None:
        yield problem(
            f"{field} target_port",
            f"{replicas} replicas cannot all listen on target_port {ep.target_port}; drop target_port "
            "so each replica gets its own port behind the proxy",
        )


def environment_problems(resource: Resource) -> Iterator[ModelProblem]:
    """Names and literal values the kernel cannot pass to a process (spawning would fail)."""
    for env in resource.annotations_of(EnvironmentAnnotation):
        at = resource.origin_of(env)
        found = env_name_problem(env.name)
        if found:
            yield ModelProblem(resource.name, f"with_env({env.name!r})", found, at)
        elif isinstance(env.value, str) and "\0" in env.value:
            yield ModelProblem(
                resource.name, f"with_env({env.name!r})", "the value contains a NUL character; remove it", at
            )
    for args in resource.annotations_of(ArgsAnnotation):
        for index, arg in enumerate(args.args):
            if isinstance(arg, str) and "\0" in arg:
                yield ModelProblem(
                    resource.name,
                    "args",
                    f"command-line argument {index + 1} contains a NUL character; remove it",
                    resource.origin_of(args),
                )
