"""The provisioning app host service: ``GET /v1/provisioning/environments`` on the control API
says, per cloud environment, its state, its scope, the operation its controller runs now and how
many wait behind it, and each resource's state and identity (never an output: those are
the resources' own, masked, properties). The dashboard and scripts read it; the commands
themselves go through the resource command mechanism (:mod:`.commands`).

Registered at import; built only for an app that has a cloud environment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from pyspire.extensions import APP_HOST_SERVICES, AppHostServiceContext, AppHostSetup, TelemetryEnv
from pyspire.provisioning.model import CloudEnvironmentResource
from pyspire.provisioning.runtime import runtime_of


def environment_json(env: CloudEnvironmentResource) -> dict[str, Any]:
    """What the service says about one environment (``state`` null until its handler built it)."""
    controller = runtime_of(env).controller
    if controller is None:
        return {"name": env.name, "state": None, "resources": {r.name: None for r in env.cloud_resources}}
    board = controller.board
    return {
        "name": env.name,
        "state": board.environment.value,
        "message": board.environment_message,
        "scope": controller.scope.as_dict(),
        "missing_configuration": list(controller.missing_configuration()),
        "operation": controller.current_operation,
        "queued": controller.queued,
        "resources": {
            name: {"state": s.state.value, "message": s.message, "identity": dict(s.identity)}
            for name, s in board.resources.items()
        },
    }


class ProvisioningService:
    """Serves the environments' status; owns nothing (the handlers own the controllers)."""

    name = "provisioning"

    def __init__(self, environments: Sequence[CloudEnvironmentResource]) -> None:
        self.environments = tuple(environments)

    def routes(self) -> Sequence[BaseRoute]:
        async def environments(request: Request) -> Response:
            return JSONResponse({"environments": [environment_json(e) for e in self.environments]})

        return [Route("/v1/provisioning/environments", environments, methods=["GET"])]

    def telemetry_env(self) -> TelemetryEnv | None:
        return None

    async def start(self, context: AppHostServiceContext) -> None:
        """Nothing to start: the environments' handlers start their controllers."""

    async def stop(self) -> None:
        """Nothing to stop: the handlers stop their controllers."""


def provisioning_service(setup: AppHostSetup) -> ProvisioningService | None:
    environments = [r for r in setup.model.resources if isinstance(r, CloudEnvironmentResource)]
    return ProvisioningService(environments) if environments else None


APP_HOST_SERVICES.register(provisioning_service, "provisioning")
