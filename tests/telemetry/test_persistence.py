"""Persistence (PYSPIRE_TELEMETRY_PERSIST=1): the store mirrored to .pyspire/telemetry.sqlite,
read back at open, bounded like memory, private, and a corrupt file never stops the app host."""

from __future__ import annotations

import logging
import sqlite3
import stat
from pathlib import Path

from pyspire.telemetry.persistence import FILE_NAME, TelemetryFile
from pyspire.telemetry.queries import LogQuery, SpanQuery, TraceQuery
from pyspire.telemetry.settings import TelemetrySettings
from pyspire.telemetry.store import MemoryTelemetryStore
from tests.telemetry.store_records import LATENCY, log, point, span, trace_id


def reopen(state_dir: Path, **limits: int) -> MemoryTelemetryStore:
    file, loaded = TelemetryFile.open(state_dir)
    assert file is not None
    store = MemoryTelemetryStore(TelemetrySettings(persist=True, **limits), file)  # type: ignore[arg-type]
    store.load(loaded)
    return store


def test_what_one_run_stored_is_there_again_after_reopening(tmp_path):
    first = reopen(tmp_path)
    first.add_logs([log("before restart", attributes={"tags": ("a", "b"), "n": 3}), log("second", severity="error")])
    first.add_spans([span(1, 1, name="GET /orders"), span(1, 2, parent=1, resource="db")])
    first.add_metric_points([point(1, at_ms=0), point(4, at_ms=0, instrument=LATENCY)])
    first.close()

    second = reopen(tmp_path)
    logs = second.logs(LogQuery())
    assert [e.body for e in logs] == ["before restart", "second"]
    assert logs[0].attributes == {"tags": ("a", "b"), "n": 3}, "attributes come back exactly"
    assert [e.id for e in logs] == [1, 2]
    second.add_logs([log("after restart")])
    assert second.logs(LogQuery())[-1].id == 3, "ids go on from where the last run stopped"
    trace = second.trace(trace_id(1))
    assert trace is not None and [sp.name for sp in trace.spans] == ["GET /orders", "span 2"]
    assert trace.spans[0].events[0].attributes == {"step": 1}
    assert trace.spans[0].origin == span(1, 1).origin
    assert logs[0].origin is logs[1].origin, "records of one sender share its origin again, as the receiver's do"
    histogram = second.series("http.duration")[0].points[0].histogram
    assert histogram is not None and histogram.bounds == (10.0, 100.0)
    assert second.stats().persisted
    second.close()


def test_the_file_is_bounded_like_memory_and_clearing_clears_it(tmp_path):
    store = reopen(tmp_path, max_logs=3, max_traces=2, max_metric_points=2)
    store.add_logs([log(f"line {n}") for n in range(10)])
    for trace in range(1, 5):
        store.add_spans([span(trace, 1), span(trace, 2, parent=1)])
    store.add_metric_points([point(n, at_ms=n) for n in range(6)])
    assert store.file is not None
    store.file.flush()
    with sqlite3.connect(tmp_path / FILE_NAME) as db:
        counts = [db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("logs", "spans", "points")]  # noqa: S608
    assert counts == [3, 4, 2], "what memory evicted is deleted from the file"
    store.clear("api")
    store.close()
    again = reopen(tmp_path)
    assert again.logs(LogQuery()) == [] and again.traces(TraceQuery()) == [] and again.spans(SpanQuery()) == []
    again.close()


def test_a_smaller_limit_at_the_next_start_keeps_the_newest(tmp_path):
    first = reopen(tmp_path)
    first.add_logs([log(f"line {n}") for n in range(10)])
    first.close()
    second = reopen(tmp_path, max_logs=4)
    assert [e.body for e in second.logs(LogQuery())] == [f"line {n}" for n in range(6, 10)]
    second.close()


def test_the_file_is_private_to_the_user(tmp_path):
    store = reopen(tmp_path)
    store.add_logs([log("secret-ish")])
    store.close()
    for path in tmp_path.glob(FILE_NAME + "*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_a_corrupt_file_is_moved_aside_with_a_warning_and_an_empty_store_starts(tmp_path, caplog):
    (tmp_path / FILE_NAME).write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.WARNING, logger="pyspire.telemetry.persistence"):
        store = reopen(tmp_path)
    assert "could not be read" in caplog.text and "started an empty one" in caplog.text
    assert list(tmp_path.glob(FILE_NAME + ".corrupt-*")), "the old file is kept for a look"
    assert store.logs(LogQuery()) == []
    store.add_logs([log("fresh")])
    store.close()
    assert [e.body for e in reopen(tmp_path).logs(LogQuery())] == ["fresh"]
