"""The store's metrics: points grouped into series, bounded over all series, oldest first."""

from __future__ import annotations

from pyspire.telemetry.settings import TelemetrySettings
from pyspire.telemetry.store import MemoryTelemetryStore
from tests.telemetry.store_records import BASE_NS, LATENCY, REQUESTS, point


def store(**limits: int) -> MemoryTelemetryStore:
    return MemoryTelemetryStore(TelemetrySettings(**limits))  # type: ignore[arg-type]


def test_points_form_series_by_instrument_resource_replica_and_attributes():
    s = store()
    s.add_metric_points([point(1, at_ms=0), point(5, at_ms=0, route="/health"), point(2, at_ms=1000)])
    s.add_metric_points([point(7, at_ms=0, resource="worker"), point(3, at_ms=0, instrument=LATENCY)])
    summaries = {(i.instrument.name, i.resource): i for i in s.instruments()}
    assert set(summaries) == {("http.requests", "api"), ("http.requests", "worker"), ("http.duration", "api")}
    api = summaries[("http.requests", "api")]
    assert (api.series_count, api.point_count, api.last_time_ns) == (2, 3, BASE_NS + 1_000_000_000)
    assert [i.resource for i in s.instruments("worker")] == ["worker"]
    series = {x.attributes["http.route"]: x for x in s.series("http.requests", "api")}
    assert [p.value for p in series["/orders"].points] == [1, 2]
    assert series["/orders"].instrument == REQUESTS
    assert [p.value for p in s.series("http.requests", "api", since_ns=BASE_NS)[0].points] == [2], "only newer points"
    assert len(s.series("http.requests")) == 3, "every resource's series"
    histogram = s.series("http.duration")[0].points[0].histogram
    assert histogram is not None and histogram.bucket_counts == (1, 2, 0)


def test_the_oldest_points_of_all_series_are_evicted_first_and_a_silent_series_ages_out():
    s = store(max_metric_points=4)
    s.add_metric_points([point(1, at_ms=0, route="/old")])
    for n in range(1, 6):
        s.add_metric_points([point(n, at_ms=n * 1000)])
    routes = {x.attributes["http.route"] for x in s.series("http.requests")}
    assert routes == {"/orders"}, "the series that stopped reporting went"
    assert [p.value for p in s.series("http.requests")[0].points] == [2, 3, 4, 5]
    stats = s.stats().metric_points
    assert (stats.stored, stats.limit, stats.evicted) == (4, 4, 2)
    assert s.instruments()[0].series_count == 1
