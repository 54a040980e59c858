"""The bounded metric store: points grouped into series (instrument, resource, replica and
attributes), bounded over all series together, the oldest point of all evicted first.

Every point gets an increasing sequence number; a global FIFO of (number, series) says which
series holds the oldest point, so eviction is O(1) and a series that stopped reporting ages out
as the others keep arriving.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from pyspire.telemetry.fifo import Fifo
from pyspire.telemetry.matching import attributes_key
from pyspire.telemetry.queries import InstrumentSummary, MetricSeries
from pyspire.telemetry.records import Attributes, Instrument, MetricPoint

SeriesKey = tuple[str, str, str, str]


@dataclass
class _Series:
    key: SeriesKey
    resource: str
    replica: str
    attributes: Attributes
    points: Fifo[MetricPoint] = field(default_factory=Fifo)


@dataclass
class _InstrumentEntry:
    instrument: Instrument
    resource: str
    scope: str
    last_time_ns: int = 0
    series: dict[SeriesKey, _Series] = field(default_factory=dict)


class MetricStore:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.evicted = 0
        self.last_seq = 0
        self._order: Fifo[tuple[int, _Series]] = Fifo()
        self._instruments: dict[tuple[str, str], _InstrumentEntry] = {}
        self._points_by_resource: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._order)

    def count(self, resource: str) -> int:
        return self._points_by_resource.get(resource, 0)

    def add(self, points: Sequence[MetricPoint]) -> tuple[list[tuple[int, MetricPoint]], set[tuple[str, str]], int]:
        """Store ``points``; returns them numbered, the (instrument, resource) pairs that got
        points, and the number of the newest point evicted (0: none)."""
        numbered: list[tuple[int, MetricPoint]] = []
        touched: set[tuple[str, str]] = set()
        for point in points:
            self.last_seq += 1
            numbered.append((self.last_seq, point))
            self._append(self.last_seq, point)
            touched.add((point.instrument.name, point.origin.resource))
        evicted_up_to = 0
        while len(self._order) > self.limit:
            evicted_up_to = self._evict_oldest()
        return numbered, touched, evicted_up_to

    def load(self, seq: int, point: MetricPoint) -> None:
        """Put back a point a previous run stored under number ``seq`` (in increasing order)."""
        self.last_seq = max(self.last_seq, seq)
        self._append(seq, point)

    def trim(self) -> int:
        evicted_up_to = 0
        while len(self._order) > self.limit:
            evicted_up_to = self._evict_oldest()
        return evicted_up_to

    def _append(self, seq: int, point: MetricPoint) -> None:
        resource = point.origin.resource
        pair = (point.instrument.name, resource)
        entry = self._instruments.get(pair)
        if entry is None:
            entry = self._instruments[pair] = _InstrumentEntry(point.instrument, resource, point.scope)
        entry.instrument = point.instrument  # the newest description and unit win
        entry.last_time_ns = max(entry.last_time_ns, point.time_ns)
        key: SeriesKey = (point.instrument.name, resource, point.origin.replica, attributes_key(point.attributes))
        series = entry.series.get(key)
        if series is None:
            series = entry.series[key] = _Series(key, resource, point.origin.replica, point.attributes)
        series.points.append(point)
        self._order.append((seq, series))
        self._points_by_resource[resource] = self._points_by_resource.get(resource, 0) + 1

    def _evict_oldest(self) -> int:
        seq, series = self._order.popleft()
        series.points.popleft()
        self.evicted += 1
        left = self._points_by_resource[series.resource] - 1
        if left:
            self._points_by_resource[series.resource] = left
        else:
            del self._points_by_resource[series.resource]
        if not series.points:
            pair = (series.key[0], series.resource)
            entry = self._instruments.get(pair)
            if entry is not None:
                entry.series.pop(series.key, None)
                if not entry.series:
                    del self._instruments[pair]
        return seq

    def instruments(self, resource: str | None = None) -> list[InstrumentSummary]:
        found = [
            InstrumentSummary(
                instrument=entry.instrument,
                resource=entry.resource,
                scope=entry.scope,
                series_count=len(entry.series),
                point_count=sum(len(series.points) for series in entry.series.values()),
                last_time_ns=entry.last_time_ns,
            )
            for entry in self._instruments.values()
            if resource is None or entry.resource == resource
        ]
        found.sort(key=lambda summary: (summary.instrument.name, summary.resource))
        return found

    def series(self, instrument: str, resource: str | None = None, since_ns: int | None = None) -> list[MetricSeries]:
        """Every series of ``instrument`` (of one resource, or all), with its points newer than
        ``since_ns``; series without such points are left out."""
        found: list[MetricSeries] = []
        for (name, owner), entry in self._instruments.items():
            if name != instrument or (resource is not None and owner != resource):
                continue
            for series in entry.series.values():
                if since_ns is None:
                    points = tuple(series.points)
                else:
                    start = series.points.bisect_left(since_ns + 1, _time)
                    points = tuple(series.points[index] for index in range(start, len(series.points)))
                if points:
                    found.append(MetricSeries(entry.instrument, series.resource, series.replica, series.attributes, points))
        return found

    def clear(self, resource: str | None = None) -> None:
        if resource is None:
            self._order = Fifo()
            self._instruments.clear()
            self._points_by_resource.clear()
            return
        kept: Fifo[tuple[int, _Series]] = Fifo()
        for item in self._order:
            if item[1].resource != resource:
                kept.append(item)
        self._order = kept
        self._points_by_resource.pop(resource, None)
        for pair in [pair for pair in self._instruments if pair[1] == resource]:
            del self._instruments[pair]


def _time(point: MetricPoint) -> int:
    return point.time_ns
