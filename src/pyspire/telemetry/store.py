"""The bounded in-memory telemetry store, optionally mirrored to SQLite.

One lock guards the three buffers (:mod:`log_buffer`, :mod:`trace_index`, :mod:`metric_series`):
writes come from the receiver's thread, reads from the app host's event loop, and each holds the
lock only for an in-memory operation (the disk is the writer thread's business, see
:mod:`persistence`). Readers that follow (``changes()``) are woken on their own loop through
``call_soon_threadsafe``, coalesced: the first write after a quiet spell wakes a reader at once,
a flood wakes it at most every :data:`COALESCE_SECONDS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from pyspire.extensions.app_host_services import AppHostSetup
from pyspire.telemetry.log_buffer import LogBuffer
from pyspire.telemetry.metric_series import MetricStore
from pyspire.telemetry.persistence import Loaded, TelemetryFile
from pyspire.telemetry.queries import (
    InstrumentSummary,
    KindStats,
    LogQuery,
    MetricSeries,
    SpanQuery,
    TelemetryChange,
    TelemetryKind,
    TelemetryStats,
    TelemetryStore,
    Trace,
    TraceQuery,
    TraceSummary,
)
from pyspire.telemetry.records import LogEntry, MetricPoint, Span
from pyspire.telemetry.settings import TelemetrySettings
from pyspire.telemetry.trace_index import TraceIndex

#: A following reader is woken at most this often under a flood (and at once after a quiet spell).
COALESCE_SECONDS = 0.025


def open_store(settings: TelemetrySettings, setup: AppHostSetup) -> TelemetryStore:
    """The run's store: in memory, bounded per kind; with ``settings.persist`` also in
    ``.pyspire/telemetry.sqlite``, loaded at start so a run's data survives an app host restart."""
    store = MemoryTelemetryStore(settings)
    if settings.persist:
        attach_file(store, setup)
    return store


def attach_file(store: MemoryTelemetryStore, setup: AppHostSetup) -> None:
    """Mirror ``store`` to ``.pyspire/telemetry.sqlite`` and put back what it holds (seconds for
    a full file: the telemetry service does this in a worker thread when it starts, before its
    receiver takes anything, so that nothing is opened for a run that never starts)."""
    file, loaded = TelemetryFile.open(setup.state_dir)
    store.load(loaded)
    store.file = file


@dataclass(eq=False)
class _Waiter:
    """One following reader: its loop, and what happened since it last looked."""

    loop: asyncio.AbstractEventLoop
    event: asyncio.Event = field(default_factory=asyncio.Event)
    kinds: set[TelemetryKind] = field(default_factory=set)
    #: An ordered set, bounded (see :meth:`note_traces`).
    trace_ids: dict[str, None] = field(default_factory=dict)
    instruments: set[tuple[str, str]] = field(default_factory=set)
    scheduled: bool = False

    def note_traces(self, trace_ids: set[str] | frozenset[str], bound: int) -> None:
        """Remember changed traces, at most ``bound`` (the store's trace limit): a reader that
        stops reading must not hold ever more ids, and beyond the limit the oldest-noted ones
        are, but for a rare long-lived trace, evicted from the store anyway."""
        for trace_id in trace_ids:
            self.trace_ids.pop(trace_id, None)
            self.trace_ids[trace_id] = None
        while len(self.trace_ids) > bound:
            del self.trace_ids[next(iter(self.trace_ids))]

    def wake(self) -> None:
        if self.scheduled:
            return
        self.scheduled = True
        with contextlib.suppress(RuntimeError):  # its loop is closed: the reader is gone
            self.loop.call_soon_threadsafe(self.event.set)


class MemoryTelemetryStore:
    """:class:`~pyspire.telemetry.queries.TelemetryStore` in memory (see the module docstring)."""

    def __init__(self, settings: TelemetrySettings, file: TelemetryFile | None = None) -> None:
        self.settings = settings
        self.file = file
        self._lock = threading.Lock()
        self._logs = LogBuffer(settings.max_logs)
        self._traces = TraceIndex(settings.max_traces, settings.span_limit)
        self._metrics = MetricStore(settings.max_metric_points)
        self._dropped: dict[TelemetryKind, int] = {"logs": 0, "traces": 0, "metrics": 0}
        self._resources: dict[str, None] = {}
        self._waiters: set[_Waiter] = set()
        self._closed = False

    # -- writing (the receiver's thread) -----------------------------------------------------------

    def add_logs(self, logs: Sequence[LogEntry]) -> None:
        self._add_logs(logs, persist=True)

    def _add_logs(self, logs: Sequence[LogEntry], persist: bool) -> None:
        if not logs:
            return
        with self._lock:
            stored, evicted = self._logs.add(logs, keep_ids=not persist)
            self._seen(entry.origin.resource for entry in stored)
            if self.file is not None:
                if persist:
                    self.file.add_logs(stored)
                if evicted:
                    self.file.delete_logs_up_to(evicted[-1].id)
            self._notify("logs")

    def add_spans(self, spans: Sequence[Span]) -> None:
        self._add_spans(spans, persist=True)

    def _add_spans(self, spans: Sequence[Span], persist: bool) -> None:
        if not spans:
            return
        with self._lock:
            changed, evicted, trimmed = self._traces.add(spans)
            self._seen(span.origin.resource for span in spans)
            if self.file is not None:
                if persist:
                    self.file.add_spans(spans)
                if evicted:
                    self.file.delete_traces(evicted)
                if trimmed:
                    self.file.delete_spans(trimmed)
            self._notify("traces", trace_ids=changed)

    def add_metric_points(self, points: Sequence[MetricPoint]) -> None:
        if not points:
            return
        with self._lock:
            numbered, touched, evicted_up_to = self._metrics.add(points)
            self._seen(point.origin.resource for point in points)
            if self.file is not None:
                self.file.add_points(numbered)
                if evicted_up_to:
                    self.file.delete_points_up_to(evicted_up_to)
            self._notify("metrics", instruments=touched)

    def note_dropped(self, kind: TelemetryKind, count: int) -> None:
        with self._lock:
            self._dropped[kind] += count

    def load(self, loaded: Loaded) -> None:
        """Put back what the file held (the previous run's), within this run's limits."""
        self._add_logs(loaded.logs, persist=False)
        self._add_spans(loaded.spans, persist=False)
        with self._lock:
            for seq, point in loaded.points:
                self._metrics.load(seq, point)
                self._resources[point.origin.resource] = None
            evicted_up_to = self._metrics.trim()
            if self.file is not None and evicted_up_to:
                self.file.delete_points_up_to(evicted_up_to)

    def _seen(self, resources: object) -> None:
        for resource in resources:  # type: ignore[attr-defined]
            self._resources[resource] = None

    def _notify(
        self,
        kind: TelemetryKind,
        trace_ids: set[str] | frozenset[str] = frozenset(),
        instruments: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset(),
    ) -> None:
        for waiter in self._waiters:
            waiter.kinds.add(kind)
            waiter.note_traces(trace_ids, self._traces.max_traces)
            waiter.instruments.update(instruments)
            waiter.wake()

    # -- reading (any thread) ------------------------------------------------------------------------

    def logs(self, query: LogQuery) -> list[LogEntry]:
        with self._lock:
            return self._logs.query(query)

    def last_log_id(self) -> int:
        with self._lock:
            return self._logs.last_id

    def traces(self, query: TraceQuery) -> list[TraceSummary]:
        with self._lock:
            return self._traces.traces(query)

    def trace(self, trace_id: str) -> Trace | None:
        with self._lock:
            return self._traces.trace(trace_id)

    def spans(self, query: SpanQuery) -> list[Span]:
        with self._lock:
            return self._traces.spans(query)

    def instruments(self, resource: str | None = None) -> list[InstrumentSummary]:
        with self._lock:
            return self._metrics.instruments(resource)

    def series(self, instrument: str, resource: str | None = None, since_ns: int | None = None) -> list[MetricSeries]:
        with self._lock:
            return self._metrics.series(instrument, resource, since_ns)

    def stats(self) -> TelemetryStats:
        with self._lock:
            traces = self._traces
            return TelemetryStats(
                logs=KindStats(len(self._logs), self._logs.limit, self._logs.evicted, self._dropped["logs"]),
                spans=KindStats(traces.span_count, traces.max_spans, traces.evicted_spans, self._dropped["traces"]),
                traces=KindStats(len(traces), traces.max_traces, traces.evicted_traces),
                metric_points=KindStats(
                    len(self._metrics), self._metrics.limit, self._metrics.evicted, self._dropped["metrics"]
                ),
                resources={
                    name: {
                        "logs": self._logs.count(name),
                        "spans": traces.span_count_of(name),
                        "metric_points": self._metrics.count(name),
                    }
                    for name in self._resources
                },
                persisted=self.file is not None,
            )

    def changes(self) -> AsyncIterator[TelemetryChange]:
        """Follow from now: the reader is registered at this call (not at its first ``anext``),
        so nothing written after it is missed."""
        return _Changes(self, _Waiter(asyncio.get_running_loop()))

    def _register(self, waiter: _Waiter) -> bool:
        with self._lock:
            if self._closed:
                return False
            self._waiters.add(waiter)
            return True

    def _take(self, waiter: _Waiter) -> tuple[TelemetryChange, bool]:
        with self._lock:
            waiter.event.clear()
            waiter.scheduled = False
            change = TelemetryChange(
                kinds=frozenset(waiter.kinds),
                last_log_id=self._logs.last_id,
                trace_ids=frozenset(waiter.trace_ids),
                instruments=frozenset(waiter.instruments),
            )
            waiter.kinds.clear()
            waiter.trace_ids.clear()
            waiter.instruments.clear()
            return change, self._closed

    def _unregister(self, waiter: _Waiter) -> None:
        with self._lock:
            self._waiters.discard(waiter)

    # -- managing ------------------------------------------------------------------------------------

    def clear(self, resource: str | None = None) -> None:
        with self._lock:
            self._logs.clear(resource)
            changed, gone = self._traces.clear(resource)
            self._metrics.clear(resource)
            if resource is None:
                self._resources.clear()
            else:
                self._resources.pop(resource, None)
            if self.file is not None:
                self.file.clear(resource)
            self._notify("logs")
            self._notify("traces", trace_ids=changed | set(gone))
            self._notify("metrics")

    def close(self) -> None:
        """End every following reader; the file gets what is queued. Reads still answer."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for waiter in self._waiters:
                waiter.scheduled = False
                waiter.wake()
        if self.file is not None:
            self.file.close()


class _Changes:
    """One reader's live changes (see :meth:`MemoryTelemetryStore.changes`)."""

    def __init__(self, store: MemoryTelemetryStore, waiter: _Waiter) -> None:
        self._store = store
        self._waiter = waiter
        self._done = not store._register(waiter)
        self._last = -COALESCE_SECONDS

    def __aiter__(self) -> _Changes:
        return self

    async def __anext__(self) -> TelemetryChange:
        loop = self._waiter.loop
        while not self._done:
            await self._waiter.event.wait()
            if (pause := self._last + COALESCE_SECONDS - loop.time()) > 0:
                await asyncio.sleep(pause)  # a flood: gather what comes meanwhile
            change, closed = self._store._take(self._waiter)
            self._last = loop.time()
            if closed:
                await self.aclose()
            if change.kinds:
                return change
        raise StopAsyncIteration

    async def aclose(self) -> None:
        self._done = True
        self._store._unregister(self._waiter)
