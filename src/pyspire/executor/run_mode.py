"""Run-mode policy: what running a resource here adds to its launch plan.

None of this belongs in a manifest: the service identity for telemetry (``OTEL_SERVICE_NAME``, the
replica's ``service.instance.id``, whatever the telemetry seam adds) and what a language integration
adds for its own processes (the Python integration's ``PYTHONUNBUFFERED``). The
app host's own environment is inherited at spawn by the Executable controller
(``spec.ambientEnvironment``; :func:`inherits_app_host_environment` says who gets it).

A policy marks a value secret by returning it as a :class:`SecretEnvValue`.

Policies are applied in order before the launch plan's variables, so the plan (what the user set)
wins. An integration adds its own with ``RUN_MODE_POLICIES.register(policy)`` (or ``with
RUN_MODE_POLICIES.registered(policy):``) through :mod:`pyspire.extensions`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from pyspire.model.resource import Resource
from pyspire.model.resources import ExecutableResource


class SecretEnvValue(str):
    """A value a run-mode policy or the telemetry seam hands out that is a secret (the OTLP
    exporter's API key header): the replica gets it as it is, while snapshots, ``pyspire
    describe``, objects served to kubectl and logs show it masked, like a secret parameter's.
    A ``str``, so a policy still returns a plain ``Mapping[str, str]``."""

    __slots__ = ()


#: Extra variables for a replica (resource, replica suffix) → env; the dashboard's OTLP exporter
#: settings plug in here.
TelemetryEnv = Callable[[Resource, str], Mapping[str, str]]


def no_telemetry(resource: Resource, suffix: str) -> Mapping[str, str]:
    return {}


@dataclass(frozen=True)
class RunModeContext:
    """What a run-mode policy knows about the replica being started."""

    resource: Resource
    #: The replica's name suffix, also its ``service.instance.id``.
    suffix: str
    telemetry: TelemetryEnv = no_telemetry


#: A policy returns the variables it adds for one replica (nothing, for a resource it ignores).
RunModePolicy = Callable[[RunModeContext], Mapping[str, str]]


class RunModePolicies:
    """The ordered, removable list of run-mode policies."""

    def __init__(self) -> None:
        self._policies: list[RunModePolicy] = []

    def register(self, policy: RunModePolicy) -> Callable[[], None]:
        """Apply ``policy`` after those registered before it; returns the call that removes it."""
        self._policies.append(policy)

        def unregister() -> None:
            if policy in self._policies:
                self._policies.remove(policy)

        return unregister

    @contextmanager
    def registered(self, policy: RunModePolicy) -> Iterator[None]:
        """``policy`` applies inside the ``with`` block only (tests leave no trace)."""
        unregister = self.register(policy)
        try:
            yield
        finally:
            unregister()

    def __iter__(self) -> Iterator[RunModePolicy]:
        return iter(list(self._policies))

    def env_for(self, ctx: RunModeContext) -> dict[str, str]:
        """Every policy's variables for the replica, later policies overriding earlier ones."""
        env: dict[str, str] = {}
        for policy in self:
            env.update(policy(ctx))
        return env


def service_identity(ctx: RunModeContext) -> Mapping[str, str]:
    """``OTEL_SERVICE_NAME`` and the replica's ``service.instance.id``, then the telemetry seam's
    variables (the OTLP exporter, once the dashboard exists)."""
    return {
        "OTEL_SERVICE_NAME": ctx.resource.name,
        "OTEL_RESOURCE_ATTRIBUTES": f"service.instance.id={ctx.suffix}",
        **ctx.telemetry(ctx.resource, ctx.suffix),
    }


def inherits_app_host_environment(resource: Resource) -> bool:
    """Whether the resource's processes inherit the app host's environment (minus its
    ``Parameters__*`` / ``ConnectionStrings__*``): processes do, containers never do."""
    return isinstance(resource, ExecutableResource)


#: The policies run mode applies, in order. Built-ins first, registered the way an integration's are.
RUN_MODE_POLICIES = RunModePolicies()
RUN_MODE_POLICIES.register(service_identity)
