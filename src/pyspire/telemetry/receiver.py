"""The OTLP receiver: gRPC and HTTP on a thread of its own (to be built)."""

from __future__ import annotations

from dataclasses import dataclass

from pyspire.extensions.app_host_services import AppHostSetup
from pyspire.telemetry.queries import TelemetrySink
from pyspire.telemetry.settings import TelemetrySettings


@dataclass(frozen=True)
class OtlpEndpoints:
    """Where the receiver listens (loopback), once started."""

    grpc_port: int
    http_port: int

    @property
    def grpc_url(self) -> str:
        return f"http://127.0.0.1:{self.grpc_port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"


class OtlpReceiver:
    """Accepts OTLP over gRPC and HTTP (protobuf and JSON) with the run's API key, decodes off
    the app host's event loop and writes into ``sink``."""

    def __init__(self, sink: TelemetrySink, settings: TelemetrySettings, api_key: str, setup: AppHostSetup) -> None:
        self.sink = sink
        self.settings = settings
        self.api_key = api_key
        self.setup = setup

    @property
    def endpoints(self) -> OtlpEndpoints:
        raise NotImplementedError("the OTLP receiver is not built yet")

    async def start(self) -> None:
        raise NotImplementedError("the OTLP receiver is not built yet")

    async def stop(self) -> None:
        return None
