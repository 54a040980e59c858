"""The telemetry app host service: the store, the OTLP receiver, the read API and the exporter
variables, started before the first resource and stopped after the last."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping, Sequence

from starlette.routing import BaseRoute

from pyspire.extensions import ContainerAccess, NoContainerAccess, TelemetryEnv
from pyspire.extensions.app_host_services import AppHostServiceContext, AppHostSetup
from pyspire.model import Resource
from pyspire.telemetry.api_key import api_key_for
from pyspire.telemetry.exporter_env import ReceiverAddresses, exporter_env
from pyspire.telemetry.grpc_fork import keep_grpc_out_of_forks
from pyspire.telemetry.queries import TelemetryStore
from pyspire.telemetry.receiver import OtlpReceiver
from pyspire.telemetry.routes import telemetry_routes
from pyspire.telemetry.settings import TelemetrySettings
from pyspire.telemetry.store import MemoryTelemetryStore, attach_file

# At import (pyspire.app imports this package), so also a process that initialises gRPC before
# the receiver starts — a test session, an app host embedding other gRPC code — has it off.
keep_grpc_out_of_forks()


class TelemetryService:
    name = "telemetry"

    def __init__(self, setup: AppHostSetup, settings: TelemetrySettings) -> None:
        self.setup = setup
        self.settings = settings
        #: What every exporter sends as ``x-otlp-api-key`` (see :mod:`~pyspire.telemetry.api_key`).
        #: Masked in every output.
        self.api_key = api_key_for(setup)
        setup.redactor.add([self.api_key])
        # In memory only until start() (which attaches the file when persisting): a service
        # built for a run that then fails to start (a later service's bad setting) opens nothing.
        self._memory = MemoryTelemetryStore(settings)
        self.store: TelemetryStore = self._memory
        self.receiver = OtlpReceiver(self.store, settings, self.api_key, setup)
        #: Known once the receiver listens (``start``); replicas start after that.
        self._addresses: ReceiverAddresses | None = None
        self._containers: ContainerAccess = NoContainerAccess()

    def routes(self) -> Sequence[BaseRoute]:
        return telemetry_routes(self.store)

    def telemetry_env(self) -> TelemetryEnv | None:
        def env(resource: Resource, suffix: str) -> Mapping[str, str]:
            if self._addresses is None:
                return {}
            # The host alias is the engine's, known once a container is being started.
            addresses = dataclasses.replace(self._addresses, host_alias=self._containers.host_alias())
            return exporter_env(resource, suffix, addresses, self.api_key)

        return env

    async def start(self, context: AppHostServiceContext) -> None:
        keep_grpc_out_of_forks()  # before the receiver's thread imports grpc
        if self.settings.persist:
            await asyncio.to_thread(attach_file, self._memory, self.setup)
        await self.receiver.start()
        endpoints = self.receiver.endpoints
        self._containers = context.containers
        self._addresses = ReceiverAddresses(
            endpoints.grpc_port,
            endpoints.http_port,
            container_grpc_port=context.containers.expose("otlp-grpc", endpoints.grpc_port),
            container_http_port=context.containers.expose("otlp-http", endpoints.http_port),
        )
        context.urls["otlp-grpc"] = endpoints.grpc_url
        context.urls["otlp-http"] = endpoints.http_url

    async def stop(self) -> None:
        try:
            await self.receiver.stop()
        finally:
            # Off the loop: a persisting store waits for its writer to commit what is queued.
            await asyncio.to_thread(self.store.close)


def telemetry_service(setup: AppHostSetup) -> TelemetryService | None:
    settings = TelemetrySettings.from_settings(setup.settings)
    if not settings.enabled:
        return None
    return TelemetryService(setup, settings)

