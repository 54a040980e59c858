"""The receiver's life: a taken port fails start naming the setting (and leaves no thread), stop
still delivers what was received before it, and the heavy imports stay off the importer's path."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from pyspire.telemetry.receiver import OtlpReceiver
from pyspire.telemetry.settings import TelemetrySettingError, TelemetrySettings
from tests.telemetry.conftest import API_KEY, RecordingSink, make_setup
from tests.telemetry.test_otlp_http import PROTOBUF, batch


def receiver_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("pyspire-otlp")]


@pytest.mark.parametrize("setting", ["PYSPIRE_OTLP_HTTP_PORT", "PYSPIRE_OTLP_GRPC_PORT"])
async def test_a_configured_port_that_is_taken_fails_start_naming_the_setting(tmp_path: Path, setting: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        settings = TelemetrySettings.from_settings({setting: str(port)})
        receiver = OtlpReceiver(RecordingSink(), settings, API_KEY, make_setup(tmp_path))
        with pytest.raises(TelemetrySettingError) as caught:
            await receiver.start()
    message = str(caught.value)
    assert setting in message and str(port) in message
    assert receiver_threads() == [], "a failed start leaves no thread behind"
    await receiver.stop()  # the service stops it after a failed start too


async def test_stop_delivers_every_batch_received_before_it(tmp_path: Path) -> None:
    sink = RecordingSink()
    sink.delay = 0.1
    receiver = OtlpReceiver(sink, TelemetrySettings(), API_KEY, make_setup(tmp_path))
    await receiver.start()
    async with httpx.AsyncClient(base_url=receiver.endpoints.http_url) as client:
        for i in range(5):
            response = await client.post("/v1/traces", content=batch(f"last-words-{i}", spans=3), headers=PROTOBUF)
            assert response.status_code == 200
    await receiver.stop()
    assert sorted({s.name for s in sink.spans}) == [f"last-words-{i}" for i in range(5)]
    assert len(sink.spans) == 15
    assert receiver_threads() == []
    with pytest.raises(httpx.ConnectError):
        httpx.post(f"{receiver.endpoints.http_url}/v1/traces", content=b"", headers=PROTOBUF)


async def test_endpoints_before_start_says_the_receiver_has_not_started(tmp_path: Path) -> None:
    receiver = OtlpReceiver(RecordingSink(), TelemetrySettings(), API_KEY, make_setup(tmp_path))
    with pytest.raises(RuntimeError, match="has not started"):
        _ = receiver.endpoints


def test_importing_the_receiver_does_not_import_grpc_or_the_otlp_messages() -> None:
    code = (
        "import sys, pyspire.telemetry.receiver; "
        "heavy = [m for m in sys.modules if m == 'grpc' or m.startswith(('grpc.', 'opentelemetry.proto', 'google.protobuf'))]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


async def test_a_sink_that_fails_once_does_not_end_ingestion(tmp_path: Path) -> None:
    class FailsOnce(RecordingSink):
        failed = False

        def add_spans(self, spans):  # type: ignore[no-untyped-def]
            if not self.failed:
                self.failed = True
                raise RuntimeError("store hiccup")
            super().add_spans(spans)

    sink = FailsOnce()
    receiver = OtlpReceiver(sink, TelemetrySettings(), API_KEY, make_setup(tmp_path))
    await receiver.start()
    try:
        async with httpx.AsyncClient(base_url=receiver.endpoints.http_url) as client:
            for name in ("lost", "kept"):
                assert (await client.post("/v1/traces", content=batch(name), headers=PROTOBUF)).status_code == 200
        await sink.wait_for(lambda s: len(s.spans) == 1)
        assert sink.spans[0].name == "kept"
        assert receiver.counts().failed_batches == 1
    finally:
        await receiver.stop()
