"""The typed intents the controller's one reader executes, in the order they were queued (Aspire's
``AzureIntent`` records). Every caller — startup, CLI, API, dashboard, the drift monitor — submits
one and awaits its :attr:`Intent.future`; none touches the cloud itself, so none can race another.

Cancel is not an intent: it must not wait behind the operation it is meant to stop."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def _future() -> asyncio.Future[Any]:
    return asyncio.get_running_loop().create_future()


@dataclass(eq=False)
class Intent:
    """One queued operation. ``future`` completes once: with the result, the error, or canceled."""

    future: asyncio.Future[Any] = field(default_factory=_future, init=False, repr=False)

    #: The operation's name as the dashboard shows it while it runs; ``None``: a background probe
    #: that must not disable commands (drift).
    label: str | None = field(default=None, init=False, repr=False)

    def targets(self) -> tuple[str, ...] | None:
        """The resources it acts on; ``None``: all of them."""
        return None


@dataclass(eq=False)
class EnsureProvisioned(Intent):
    """Provision what is not provisioned or changed; reuse the rest from the state file."""

    def __post_init__(self) -> None:
        self.label = "Provision cloud resources"


@dataclass(eq=False)
class ReprovisionAll(Intent):
    """Deploy every resource again, cached or not."""

    def __post_init__(self) -> None:
        self.label = "Reprovision all cloud resources"


@dataclass(eq=False)
class Reprovision(Intent):
    """Deploy one resource again (and whatever depends on it and changes with it)."""

    resource: str

    def __post_init__(self) -> None:
        self.label = f"Reprovision {self.resource}"

    def targets(self) -> tuple[str, ...]:
        return (self.resource,)


@dataclass(eq=False)
class ResetState(Intent):
    """Forget every cached deployment (location overrides stay); optionally provision again."""

    then_reprovision: bool = False

    def __post_init__(self) -> None:
        self.label = "Reset provisioning state"


@dataclass(eq=False)
class ForgetState(Intent):
    """Forget one resource's cached deployment; the cloud resource is left alone."""

    resource: str

    def __post_init__(self) -> None:
        self.label = f"Forget state of {self.resource}"

    def targets(self) -> tuple[str, ...]:
        return (self.resource,)


@dataclass(eq=False)
class ChangeLocation(Intent):
    """Delete the resource where it is, remember ``region`` for it, deploy it there."""

    resource: str
    region: str

    def __post_init__(self) -> None:
        self.label = f"Change location of {self.resource}"

    def targets(self) -> tuple[str, ...]:
        return (self.resource,)


@dataclass(eq=False)
class ChangeContext(Intent):
    """Point the environment at another account/subscription, region or group, then provision there."""

    account: str | None = None
    region: str | None = None
    group: str | None = None
    extra: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        self.label = "Change cloud context"


@dataclass(eq=False)
class DeleteAll(Intent):
    """Delete every resource in the cloud (dependents first) and forget them."""

    def __post_init__(self) -> None:
        self.label = "Delete cloud resources"


@dataclass(eq=False)
class Delete(Intent):
    """Delete one resource in the cloud and forget it."""

    resource: str

    def __post_init__(self) -> None:
        self.label = f"Delete {self.resource}"

    def targets(self) -> tuple[str, ...]:
        return (self.resource,)


@dataclass(eq=False)
class DetectDrift(Intent):
    """Probe every provisioned resource; a background check, not a user-visible operation."""
