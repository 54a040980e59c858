"""Fixtures for the OTLP receiver's tests: a started receiver writing into a recording sink.

The sink is the smallest real :class:`~pyspire.telemetry.queries.TelemetrySink`: it keeps what it
is given (from the receiver's decoding thread) and lets a test wait until something arrived.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

import pytest

from pyspire.extensions import AppHostSetup
from pyspire.model.builder import AppModelBuilder
from pyspire.orchestrator.redaction import Redactor
from pyspire.telemetry.queries import TelemetryKind
from pyspire.telemetry.receiver import OtlpReceiver
from pyspire.telemetry.records import LogEntry, MetricPoint, Span
from pyspire.telemetry.settings import TelemetrySettings

API_KEY = "test-otlp-key-0123456789abcdef"


class RecordingSink:
    def __init__(self) -> None:
        self.spans: list[Span] = []
        self.logs: list[LogEntry] = []
        self.points: list[MetricPoint] = []
        self.dropped: dict[TelemetryKind, int] = {}
        self.threads: set[str] = set()
        self._lock = threading.Lock()
        #: Set to make add_* slow (a sink that cannot keep up: the queue must bound the backlog).
        self.delay = 0.0

    def add_spans(self, spans: Sequence[Span]) -> None:
        self._add(self.spans, spans)

    def add_logs(self, logs: Sequence[LogEntry]) -> None:
        self._add(self.logs, logs)

    def add_metric_points(self, points: Sequence[MetricPoint]) -> None:
        self._add(self.points, points)

    def note_dropped(self, kind: TelemetryKind, count: int) -> None:
        with self._lock:
            self.dropped[kind] = self.dropped.get(kind, 0) + count

    def _add(self, into: list, items: Sequence[object]) -> None:  # type: ignore[type-arg]
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self.threads.add(threading.current_thread().name)
            into.extend(items)

    async def wait_for(self, condition: Callable[[RecordingSink], bool], timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition(self):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out: {len(self.spans)} spans, {len(self.logs)} logs, {len(self.points)} points, dropped {self.dropped}"
                )
            await asyncio.sleep(0.02)


def make_setup(app_dir: Path, resource_names: Sequence[str] = ("api",)) -> AppHostSetup:
    builder = AppModelBuilder(app_dir=app_dir)
    for name in resource_names:
        builder.add_executable(name, sys.executable, ".", "-c", "pass")
    model = builder.build_model()
    return AppHostSetup(
        model=model,
        app_dir=app_dir,
        state_dir=app_dir / ".pyspire",
        run_id="test-run",
        settings={},
        redactor=Redactor(),
    )


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def settings() -> TelemetrySettings:
    return TelemetrySettings()


@pytest.fixture
async def receiver(tmp_path: Path, sink: RecordingSink, settings: TelemetrySettings) -> AsyncIterator[OtlpReceiver]:
    started = OtlpReceiver(sink, settings, API_KEY, make_setup(tmp_path))
    await started.start()
    try:
        yield started
    finally:
        await started.stop()
