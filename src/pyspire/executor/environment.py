"""The environment and arguments one replica starts with, in run mode.

WHAT they are is the mode-independent launch plan (:mod:`pyspire.executor.launch_plan`); this
module resolves it for one replica, awaiting (and saying so) what is not known yet, after the
run-mode policies (:mod:`pyspire.executor.run_mode`). The order, so that what the user sets
explicitly wins:

1. for processes, the app host's own environment (minus its ``Parameters__*`` /
   ``ConnectionStrings__*``), added by the Executable controller at spawn so that it never shows
   in the object API (see :mod:`pyspire.runtime.ambient`); containers get only what follows,
2. the run-mode policies: ``OTEL_SERVICE_NAME`` and ``OTEL_RESOURCE_ATTRIBUTES``, whatever the
   telemetry seam adds, then any an integration registered (the Python integration's
   ``PYTHONUNBUFFERED``),
3. the launch plan: endpoint ``env=``, references, ``with_env`` values and callbacks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyspire.executor.addresses import EndpointAddresses
from pyspire.executor.connection_strings import SECRET_PROPERTIES, connection_properties
from pyspire.executor.launch_plan import ConnectionPropertiesEnv, EnvValue, ListenPortEnv, plan_launch
from pyspire.executor.resolution import ResolutionContext
from pyspire.executor.run_mode import (
    RUN_MODE_POLICIES,
    RunModeContext,
    SecretEnvValue,
    TelemetryEnv,
    no_telemetry,
)
from pyspire.executor.snapshots import MASK, EnvVar
from pyspire.model.execution import RUN
from pyspire.model.resources import RunnableResource

__all__ = ["Launch", "TelemetryEnv", "mask_secrets", "no_telemetry", "resolve_launch"]


@dataclass
class Launch:
    """What a replica is started with: the variables and arguments pyspire set (the app host's
    own environment is added at spawn); ``shown_env`` is the same variables, secrets masked."""

    args: list[str]
    env: dict[str, str]
    shown_env: tuple[EnvVar, ...]
    secrets: set[str] = field(default_factory=set)


class _EnvBuilder:
    def __init__(self, ctx: ResolutionContext) -> None:
        self.ctx = ctx
        self.values: dict[str, str] = {}
        self.secret_names: set[str] = set()

    def set(self, name: str, value: str, secret: bool = False) -> None:
        self.values[name] = value
        if secret:
            self.secret_names.add(name)
            self.ctx.secrets.add(value)
        else:
            self.secret_names.discard(name)


async def resolve_launch(
    resource: RunnableResource,
    ctx: ResolutionContext,
    addresses: EndpointAddresses,
    replica_index: int,
    suffix: str,
    telemetry: TelemetryEnv = no_telemetry,
) -> Launch:
    """Resolve every value the replica needs, waiting (and saying so) for what is not known yet."""
    env = _EnvBuilder(ctx)
    for name, value in RUN_MODE_POLICIES.env_for(RunModeContext(resource, suffix, telemetry)).items():
        env.set(name, str(value), secret=isinstance(value, SecretEnvValue))
    plan = await plan_launch(resource, RUN)
    for step in plan.env:
        if isinstance(step, ListenPortEnv):
            allocation = addresses.get(step.endpoint.resource.name, step.endpoint.endpoint_name)
            env.set(step.name, str(allocation.listen_port(replica_index)))
        elif isinstance(step, EnvValue):
            env.set(step.name, await ctx.resolve(step.value), secret=step.secret)
        else:
            _set_connection_properties(env, step)
    args = [await ctx.resolve(a) for a in plan.args]
    shown = tuple(
        EnvVar(name, MASK if name in env.secret_names else value, name in env.secret_names)
        for name, value in env.values.items()
    )
    return Launch(args, env.values, shown, ctx.secrets)


def _set_connection_properties(env: _EnvBuilder, step: ConnectionPropertiesEnv) -> None:
    """``{NAME}_HOST``… from the connection string just resolved (the step before this one)."""
    for prop, prop_value in connection_properties(env.values.get(step.source, "")).items():
        env.set(f"{step.prefix}_{prop}", prop_value, secret=step.secret and prop in SECRET_PROPERTIES)


def mask_secrets(text: str, secrets: set[str]) -> str:
    """Replace every secret value in ``text`` (for messages built from resolved values)."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, MASK)
    return text
