"""The typed intents the controller's one reader executes, in the order they were queued (Aspire's
``AzureIntent`` records). Every caller — startup, CLI, API, dashboard, the drift monitor — submits
one and awaits its :attr:`Intent.future`; none touches the cloud itself, so none can race another.

Cancel is not an intent: it must not wait behind the operation it is meant to stop."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar


def _future() -> asyncio.Future[Any]:
    return asyncio.get_running_loop().create_future()


@dataclass(eq=False)
class Intent:
    """One queued operation. ``future`` completes once: with the result, the error, or canceled."""

    future: asyncio.Future[Any] = field(default_factory=_future, init=False, repr=False)

    #: The operation's name as the dashboard shows it while it runs; ``None``: a background probe
    #: that must not disable commands (drift).
    title: ClassVar[str | None] = None

    @property
    def label(self) -> str | None:
        return self.title

    def targets(self) -> tuple[str, ...] | None:
        """The resources it acts on; ``None``: all of them."""
        return None


@dataclass(eq=False)
class ResourceIntent(Intent):
    """An intent about one named resource."""

    resource: str

    @property
    def label(self) -> str:
        return f"{self.title} {self.resource}"

    def targets(self) -> tuple[str, ...]:
        return (self.resource,)


@dataclass(eq=False)
class EnsureProvisioned(Intent):
    """Provision what is not provisioned or changed; reuse the rest from the state file."""

    title = "Provision cloud resources"


@dataclass(eq=False)
class ReprovisionAll(Intent):
    """Deploy every resource again, cached or not."""

    title = "Reprovision all cloud resources"


@dataclass(eq=False)
class Reprovision(ResourceIntent):
    """Deploy one resource again (what depends on it redeploys only if its inputs changed)."""

    title = "Reprovision"


@dataclass(eq=False)
class ResetState(Intent):
    """Forget every cached deployment (location overrides stay); optionally provision again."""

    then_reprovision: bool = False
    title = "Reset provisioning state"


@dataclass(eq=False)
class ForgetState(ResourceIntent):
    """Forget one resource's cached deployment; the cloud resource is left alone."""

    title = "Forget state of"


@dataclass(eq=False)
class ChangeLocation(ResourceIntent):
    """Delete the resource where it is, remember ``region`` for it, deploy it there."""

    region: str = ""
    title = "Change location of"


@dataclass(eq=False)
class ChangeContext(Intent):
    """Point the environment at another account/subscription, region or group, then provision there."""

    account: str | None = None
    region: str | None = None
    group: str | None = None
    extra: Mapping[str, str] | None = None
    title = "Change cloud context"


@dataclass(eq=False)
class DeleteAll(Intent):
    """Delete every resource in the cloud (dependents first) and forget them."""

    title = "Delete cloud resources"


@dataclass(eq=False)
class Delete(ResourceIntent):
    """Delete one resource in the cloud and forget it."""

    title = "Delete"


@dataclass(eq=False)
class DetectDrift(Intent):
    """Probe every provisioned resource; a background check, not a user-visible operation."""
