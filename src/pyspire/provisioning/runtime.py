"""One run of a cloud environment: the controller its handler builds, which the cloud resources'
handlers and the commands reach through the environment resource."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from pyspire.errors import ConfigurationError
from pyspire.provisioning.controller import ProvisioningController

if TYPE_CHECKING:
    from pyspire.provisioning.model import CloudEnvironmentResource


class EnvironmentRuntime:
    """One run of an environment: its controller once built (``ready`` set then)."""

    def __init__(self) -> None:
        self.controller: ProvisioningController | None = None
        #: Why the environment could not build its controller (its resources fail with it).
        self.error: BaseException | None = None
        self.ready = asyncio.Event()

    async def wait(self) -> ProvisioningController:
        await self.ready.wait()
        if self.controller is None:
            raise ConfigurationError(f"its cloud environment could not start: {self.error}")
        return self.controller


def runtime_of(environment: CloudEnvironmentResource) -> EnvironmentRuntime:
    """The environment's runtime for this run, made by whoever asks first."""
    if not isinstance(environment.runtime, EnvironmentRuntime):
        environment.runtime = EnvironmentRuntime()
    return environment.runtime
