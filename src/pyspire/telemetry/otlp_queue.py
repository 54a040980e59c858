"""The bounded queue between receiving (the listeners) and decoding (one thread of its own).

Receiving is cheap (read the body, parse the protobuf in C); walking every span into records is
not. The queue lets the listeners answer at once while decoding catches up, and bounds what a
flood can hold in memory: past ``max_batches`` waiting batches the **oldest** are dropped — the
newest telemetry is what a person looking at the dashboard wants — and counted per kind; the
decoding thread reports the counts through ``sink.note_dropped`` (so the sink is only ever called
from that one thread). The sender still gets success for a batch that is later dropped: OTLP
exporters retry a retryable error with the same batch, which would only make the flood longer.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message

from pyspire.telemetry.queries import TelemetryKind

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Batch:
    kind: TelemetryKind
    #: The parsed Export{Trace,Logs,Metrics}ServiceRequest.
    request: Message


def record_count(batch: Batch) -> int:
    """How many spans, log records or metric points ``batch`` holds (what dropping it loses)."""
    request: Any = batch.request
    if batch.kind == "traces":
        return sum(len(s.spans) for r in request.resource_spans for s in r.scope_spans)
    if batch.kind == "logs":
        return sum(len(s.log_records) for r in request.resource_logs for s in r.scope_logs)
    total = 0
    for r in request.resource_metrics:
        for s in r.scope_metrics:
            for metric in s.metrics:
                which = metric.WhichOneof("data")
                if which:
                    total += len(getattr(metric, which).data_points)
    return total


class BatchQueue:
    """Thread-safe; :meth:`put` from the listeners' loop, :meth:`take` from the decoding thread."""

    def __init__(self, max_batches: int) -> None:
        self.max_batches = max_batches
        self._items: deque[Batch] = deque()
        self._dropped: Counter[TelemetryKind] = Counter()
        self._cond = threading.Condition()
        self._closed = False
        #: Batches dropped since start (all kinds), for the receiver's own numbers.
        self.dropped_batches = 0

    def put(self, batch: Batch) -> None:
        with self._cond:
            self._items.append(batch)
            while len(self._items) > self.max_batches:
                oldest = self._items.popleft()
                self._dropped[oldest.kind] += record_count(oldest)
                self.dropped_batches += 1
            self._cond.notify()

    def take(self) -> tuple[Batch | None, dict[TelemetryKind, int]]:
        """The oldest waiting batch (None once closed and empty) and the drop counts since the
        last call; waits while there is neither."""
        with self._cond:
            while not self._items and not self._dropped and not self._closed:
                self._cond.wait()
            dropped = dict(self._dropped)
            self._dropped.clear()
            return (self._items.popleft() if self._items else None), dropped

    def close(self) -> None:
        """No more batches; :meth:`take` hands out what is left, then None."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def __len__(self) -> int:
        with self._cond:
            return len(self._items)


class DecodeWorker:
    """The decoding thread: takes batches until the queue is closed and drained."""

    def __init__(
        self,
        queue: BatchQueue,
        handle: Callable[[Batch], None],
        note_dropped: Callable[[TelemetryKind, int], None],
    ) -> None:
        self.queue = queue
        self._handle = handle
        self._note_dropped = note_dropped
        #: Batches whose decoding or storing raised (counted; the thread goes on).
        self.failed = 0
        self.decoded = 0
        self._thread = threading.Thread(target=self._run, name="pyspire-otlp-decode", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            batch, dropped = self.queue.take()
            for kind, count in dropped.items():
                if count:
                    self._call(self._note_dropped, kind, count)
            if batch is None:
                if not dropped:
                    return
                continue
            try:
                self._handle(batch)
                self.decoded += 1
            except Exception:
                # A sink or decoder bug must not end ingestion for the rest of the run; the
                # first one is logged (with its traceback: it is pyspire's bug, not the user's).
                self.failed += 1
                if self.failed == 1:
                    log.exception("telemetry: a %s batch could not be stored (later failures are only counted)", batch.kind)

    def _call(self, fn: Callable[[TelemetryKind, int], None], kind: TelemetryKind, count: int) -> None:
        try:
            fn(kind, count)
        except Exception:
            self.failed += 1
