"""The recovery commands, as resource commands: the control API
(``POST /v1/resources/<name>/commands/<command>``), the CLI (``pyspire resource <name> <command>``)
and the dashboard all list and run them. Each submits one intent to the environment's controller
and waits for it, so commands from everywhere run one after the other, in the order they came.
Destructive ones carry a confirmation message (the dashboard asks before running them); the ones
that take arguments declare them, so the dashboard asks for them and the API refuses a call that
leaves out a required one (or names one they do not take) before anything is queued."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pyspire.errors import ConfigurationError, PyspireError
from pyspire.extensions import CommandArgument, CommandResult
from pyspire.provisioning import intents as I
from pyspire.provisioning.runtime import runtime_of

if TYPE_CHECKING:
    from pyspire.provisioning.model import (
        CloudEnvironmentBuilder,
        CloudEnvironmentResource,
        CloudResourceBuilder,
    )

IntentFor = Callable[[Any], I.Intent]

_REGION = CommandArgument("region", "Region", "The region to deploy the resource in (e.g. eu-west-2)", required=True)
#: Each optional; change-context itself refuses a call that gives none of them.
_CONTEXT = (
    CommandArgument("account", "Account", "The account (subscription, project) to provision into"),
    CommandArgument("region", "Region", "The region to provision into (e.g. eu-west-2)"),
    CommandArgument("group", "Group", "The resource group to provision into"),
)


def _runner(environment: CloudEnvironmentResource, make: IntentFor, done: str) -> Callable[[Any], Any]:
    async def run(context: Any) -> CommandResult:
        runtime = runtime_of(environment)
        if runtime.controller is None:
            return CommandResult.failure(f"the cloud environment {environment.name} is not running")
        try:
            await runtime.controller.run(make(context))
        except PyspireError as e:  # the controller's refusal, or make()'s (arguments that say nothing)
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
        description="Delete the resource where it is and deploy it in another region",
        confirmation_message=f"Delete {name} where it is now and deploy it in the new region?",
        icon="globe", arguments=[_REGION],
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
        description="Provision into another account, region or group (give at least one)",
        confirmation_message=f"Point {resource.name} at another account, region or group?",
        icon="arrow-left-right", arguments=list(_CONTEXT),
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
    """The new context from the arguments; an empty one keeps its current value, and a call that
    changes nothing is refused (it would only provision everything again, which reset does)."""
    arguments = getattr(context, "arguments", None) or {}
    given = {a.name: arguments.get(a.name) or None for a in _CONTEXT}
    if not any(given.values()):
        raise ConfigurationError(
            f"change-context of {context.resource}: give at least one of "
            f"{', '.join(a.name for a in _CONTEXT)} (e.g. --arg region=eu-west-2)"
        )
    return I.ChangeContext(account=given["account"], region=given["region"], group=given["group"])
