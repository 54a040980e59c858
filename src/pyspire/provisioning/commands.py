"""The recovery commands, as resource commands: the control API
(``POST /v1/resources/<name>/commands/<command>``), the CLI (``pyspire resource <name> <command>``)
and the dashboard all list and run them. Each submits one intent to the environment's controller
and waits for it, so commands from everywhere run one after the other, in the order they came.
Destructive ones carry a confirmation message (the dashboard asks before running them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyspire.errors import PyspireError
from pyspire.extensions import CommandResult
from pyspire.provisioning import intents as I
from pyspire.provisioning.runtime import runtime_of

if TYPE_CHECKING:
    from pyspire.provisioning.model import (
        CloudEnvironmentBuilder,
        CloudEnvironmentResource,
        CloudResourceBuilder,
    )

IntentFor = Callable[[Any], I.Intent]


def _runner(environment: CloudEnvironmentResource, make: IntentFor, done: str) -> Callable[[Any], Any]:
    async def run(context: Any) -> CommandResult:
        runtime = runtime_of(environment)
        if runtime.controller is None:
            return CommandResult.failure(f"the cloud environment {environment.name} is not running")
        try:
            await runtime.controller.run(make(context))
        except PyspireError as e:
            return CommandResult.failure(str(e))
        return CommandResult.ok(done)

    return run


def _canceler(environment: CloudEnvironmentResource, resource: str | None) -> Callable[[Any], Any]:
    """Cancel does not queue: it stops the operation running now (on ``resource``, if given)."""

    def cancel(context: Any) -> CommandResult:
        controller = runtime_of(environment).controller
        if controller is None or not controller.cancel(resource):
            return CommandResult.failure("no cloud operation is running" + (f" on {resource}" if resource else ""))
        return CommandResult.ok("canceled")

    return cancel


def _location(context: Any) -> str:
    """The region a change-location command moves to: its ``region`` argument."""
    arguments = getattr(context, "arguments", None) or {}
    return str(arguments.get("region", ""))


def add_resource_commands(cloud: CloudResourceBuilder) -> None:
    """Reprovision, change location, forget state, delete and cancel on one cloud resource."""
    env, name = cloud.resource.environment, cloud.resource.name
    cloud.with_command(
        "reprovision", "Reprovision", _runner(env, lambda c: I.Reprovision(name), "reprovisioned"),
        description="Deploy the resource again", icon="arrow-repeat",
    )
    cloud.with_command(
        "change-location", "Change location",
        _runner(env, lambda c: I.ChangeLocation(name, region=_location(c)), "moved"),
        description="Delete the resource where it is and deploy it in another region (argument: region)",
        confirmation_message=f"Delete {name} where it is now and deploy it in the new region?",
        icon="globe",
    )
    cloud.with_command(
        "forget-state", "Forget state", _runner(env, lambda c: I.ForgetState(name), "state forgotten"),
        description="Forget the cached deployment; the cloud resource is left alone",
        confirmation_message=f"Forget the deployment state of {name}? The next run deploys it again.",
        icon="eraser",
    )
    cloud.with_command(
        "delete", "Delete", _runner(env, lambda c: I.Delete(name), "deleted"),
        description="Delete the resource in the cloud and forget it",
        confirmation_message=f"Delete {name} in the cloud?",
        icon="trash",
    )
    cloud.with_command(
        "cancel", "Cancel", _canceler(env, name),
        description="Cancel the operation running on this resource now (it does not wait in the queue)",
        icon="x-circle",
    )


def add_environment_commands(env: CloudEnvironmentBuilder) -> None:
    """Reset, change context, reprovision all, delete all and cancel on the environment."""
    resource = env.resource
    env.with_command(
        "reset", "Reset state", _runner(resource, lambda c: I.ResetState(then_reprovision=True), "reset"),
        description="Forget every cached deployment and provision again",
        confirmation_message=f"Forget every deployment of {resource.name} and provision again?",
        icon="arrow-counterclockwise",
    )
    env.with_command(
        "change-context", "Change context", _runner(resource, _context_intent, "context changed"),
        description="Provision into another account, region or group (arguments: account, region, group)",
        confirmation_message=f"Point {resource.name} at another account, region or group?",
        icon="arrow-left-right",
    )
    env.with_command(
        "reprovision-all", "Reprovision all", _runner(resource, lambda c: I.ReprovisionAll(), "reprovisioned"),
        description="Deploy every resource again", icon="arrow-repeat",
    )
    env.with_command(
        "delete-all", "Delete all", _runner(resource, lambda c: I.DeleteAll(), "deleted"),
        description="Delete every resource in the cloud (dependents first) and forget them",
        confirmation_message=f"Delete every cloud resource of {resource.name}?",
        icon="trash",
    )
    env.with_command(
        "cancel", "Cancel", _canceler(resource, None),
        description="Cancel the cloud operation running now (it does not wait in the queue)", icon="x-circle",
    )


def _context_intent(context: Any) -> I.ChangeContext:
    arguments = getattr(context, "arguments", None) or {}
    return I.ChangeContext(
        account=arguments.get("account"), region=arguments.get("region"), group=arguments.get("group")
    )
