"""Keeping telemetry in ``<state dir>/telemetry.sqlite`` so it survives an app host restart.

Off by default (``PYSPIRE_TELEMETRY_PERSIST=1`` turns it on): telemetry is usually about the run
in front of you, and writing every span to disk costs I/O that a busy app pays for nothing.

The memory store stays the one readers ask; the file mirrors it. Writes are queued and a writer
thread commits them in batches (one transaction every ~100 ms), so ingestion never waits on the
disk; what memory evicts is deleted from the file too, so the file is bounded like memory. At
open the file is read back into memory (the previous run's telemetry shows again, Aspire's
"Resume" mode). A file that cannot be read is moved aside with a warning and a new one started:
telemetry is never worth stopping the app host for. The file (and SQLite's -wal/-shm) is 0600.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pyspire.errors import PyspireError
from pyspire.telemetry.persistence_codec import (
    decode_log,
    decode_origin,
    decode_point,
    decode_span,
    encode,
    encode_origin,
)
from pyspire.telemetry.records import LogEntry, MetricPoint, Origin, Span

log = logging.getLogger(__name__)

FILE_NAME = "telemetry.sqlite"
#: How long the writer gathers writes into one transaction.
BATCH_SECONDS = 0.1
#: Batches waiting for the disk (each one receiver batch, ~hundreds of records): what bounds the
#: memory a disk that falls behind can hold; beyond it new writes are skipped (a warning, once).
MAX_PENDING = 256

#: Bumped when the tables change; a file of another version is moved aside like a corrupt one.
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS origins (id INTEGER PRIMARY KEY, data TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS logs (
    id INTEGER PRIMARY KEY, resource TEXT NOT NULL, origin INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS spans (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, trace_id TEXT NOT NULL, span_id TEXT NOT NULL,
    resource TEXT NOT NULL, origin INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS spans_by_trace ON spans (trace_id);
CREATE TABLE IF NOT EXISTS points (
    seq INTEGER PRIMARY KEY, resource TEXT NOT NULL, origin INTEGER NOT NULL, data TEXT NOT NULL);
"""
#: Origins the writer knows the row of, by object (the receiver shares one per sender and batch).
_ORIGIN_CACHE = 4096

Write = Callable[[sqlite3.Connection], object]


@dataclass
class Loaded:
    """What the previous run left, oldest first."""

    logs: list[LogEntry] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    points: list[tuple[int, MetricPoint]] = field(default_factory=list)


class TelemetryFile:
    """The SQLite mirror of the store, written by its own thread."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._connection = connection
        self._pending: queue.Queue[Write | None] = queue.Queue(MAX_PENDING)
        self._failed = False
        self._warned_full = False
        self._closed = False
        self._origins: dict[int, tuple[Origin, int]] = {}
        self._thread = threading.Thread(target=self._write_loop, name="pyspire-telemetry-sqlite", daemon=True)
        self._thread.start()

    @classmethod
    def open(cls, state_dir: Path) -> tuple[TelemetryFile | None, Loaded]:
        """Open (or create) the file and read back what it holds; a corrupt file is moved
        aside and a new one started; None if not even that works (memory only then)."""
        path = state_dir / FILE_NAME
        try:
            state_dir.mkdir(parents=True, exist_ok=True)
            return cls._open(path)
        except (sqlite3.Error, ValueError, KeyError, TypeError, _OtherVersion) as exc:
            aside = path.with_name(f"{FILE_NAME}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}")
            log.warning(
                "telemetry: %s could not be read (%s); moved it to %s and started an empty one",
                path,
                type(exc).__name__,
                aside.name,
            )
            with contextlib.suppress(OSError):
                path.replace(aside)
            for suffix in ("-wal", "-shm"):
                with contextlib.suppress(OSError):
                    path.with_name(path.name + suffix).unlink()
        except OSError as exc:
            log.warning("telemetry: cannot use %s (%s); keeping telemetry in memory only", path, exc.strerror)
            return None, Loaded()
        try:
            return cls._open(path)
        except (sqlite3.Error, OSError) as exc:
            log.warning("telemetry: cannot use %s (%s); keeping telemetry in memory only", path, exc)
            return None, Loaded()

    @classmethod
    def _open(cls, path: Path) -> tuple[TelemetryFile, Loaded]:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        os.chmod(path, 0o600)
        connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                raise _OtherVersion(f"version {version}")
            connection.executescript(_SCHEMA)
            connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            origins = {row[0]: decode_origin(row[1]) for row in connection.execute("SELECT id, data FROM origins")}
            loaded = Loaded(
                logs=[
                    decode_log(row[1], origins[row[0]])
                    for row in connection.execute("SELECT origin, data FROM logs ORDER BY id")
                ],
                spans=[
                    decode_span(row[1], origins[row[0]])
                    for row in connection.execute("SELECT origin, data FROM spans ORDER BY seq")
                ],
                points=[
                    (row[0], decode_point(row[2], origins[row[1]]))
                    for row in connection.execute("SELECT seq, origin, data FROM points ORDER BY seq")
                ],
            )
        except BaseException:
            connection.close()
            raise
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.chmod(path.with_name(path.name + suffix), 0o600)
        return cls(path, connection), loaded

    # -- what the store calls (any thread, never waits on the disk) --------------------------------

    # Records are encoded on the writer thread: the caller holds the store's lock.

    def add_logs(self, entries: Sequence[LogEntry]) -> None:
        def write(db: sqlite3.Connection) -> None:
            rows = [(e.id, e.origin.resource, self._origin_row(db, e.origin), encode(e)) for e in entries]
            db.executemany("INSERT OR REPLACE INTO logs VALUES (?, ?, ?, ?)", rows)

        self._queue(write)

    def add_spans(self, spans: Sequence[Span]) -> None:
        def write(db: sqlite3.Connection) -> None:
            rows = [
                (span.trace_id, span.span_id, span.origin.resource, self._origin_row(db, span.origin), encode(span))
                for span in spans
            ]
            db.executemany(
                "INSERT INTO spans (trace_id, span_id, resource, origin, data) VALUES (?, ?, ?, ?, ?)", rows
            )

        self._queue(write)

    def add_points(self, points: Sequence[tuple[int, MetricPoint]]) -> None:
        def write(db: sqlite3.Connection) -> None:
            rows = [(seq, p.origin.resource, self._origin_row(db, p.origin), encode(p)) for seq, p in points]
            db.executemany("INSERT OR REPLACE INTO points VALUES (?, ?, ?, ?)", rows)

        self._queue(write)

    def _origin_row(self, db: sqlite3.Connection, origin: Origin) -> int:
        """The row of ``origin`` in ``origins`` (the writer thread only)."""
        known = self._origins.get(id(origin))
        if known is not None and known[0] is origin:
            return known[1]
        text = encode_origin(origin)
        found = db.execute("SELECT id FROM origins WHERE data = ?", (text,)).fetchone()
        row = int(found[0]) if found else int(db.execute("INSERT INTO origins (data) VALUES (?)", (text,)).lastrowid or 0)
        if len(self._origins) >= _ORIGIN_CACHE:
            self._origins.clear()
        self._origins[id(origin)] = (origin, row)
        return row

    def delete_logs_up_to(self, last_id: int) -> None:
        self._queue(lambda db: db.execute("DELETE FROM logs WHERE id <= ?", (last_id,)))

    def delete_traces(self, trace_ids: Iterable[str]) -> None:
        rows = [(trace_id,) for trace_id in trace_ids]
        self._queue(lambda db: db.executemany("DELETE FROM spans WHERE trace_id = ?", rows))

    def delete_spans(self, spans: Iterable[Span]) -> None:
        rows = [(span.trace_id, span.span_id) for span in spans]
        self._queue(lambda db: db.executemany("DELETE FROM spans WHERE trace_id = ? AND span_id = ?", rows))

    def delete_points_up_to(self, seq: int) -> None:
        self._queue(lambda db: db.execute("DELETE FROM points WHERE seq <= ?", (seq,)))

    def clear(self, resource: str | None = None) -> None:
        def clear(db: sqlite3.Connection) -> None:
            if resource is None:
                db.execute("DELETE FROM origins")
                self._origins.clear()
            for table in ("logs", "spans", "points"):
                if resource is None:
                    db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
                else:
                    db.execute(f"DELETE FROM {table} WHERE resource = ?", (resource,))  # noqa: S608

        self._queue(clear, force=True)  # a user's clear must not come back after a restart

    def flush(self) -> None:
        """Wait until everything queued so far is on disk (tests, and close)."""
        if self._closed:
            return
        marker = _Flush()
        self._queue(marker, force=True)
        marker.done.wait(timeout=30)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(queue.Full):
            self._pending.put(None, timeout=30)
        self._thread.join(timeout=30)

    # -- the writer thread ----------------------------------------------------------------------

    def _queue(self, write: Write, force: bool = False) -> None:
        if (self._failed or self._closed) and not force:
            return
        try:
            self._pending.put(write, block=force, timeout=30 if force else None)
        except queue.Full:
            if not self._warned_full:
                self._warned_full = True
                log.warning("telemetry: the disk falls behind; some telemetry is not kept in %s", self.path.name)

    def _write_loop(self) -> None:
        try:
            while True:
                first = self._pending.get()
                if first is None:
                    return
                batch = [first]
                deadline = time.monotonic() + BATCH_SECONDS
                stop = False
                while (left := deadline - time.monotonic()) > 0:
                    try:
                        item = self._pending.get(timeout=left)
                    except queue.Empty:
                        break
                    if item is None:
                        stop = True
                        break
                    batch.append(item)
                self._commit(batch)
                if stop:
                    return
        finally:
            with contextlib.suppress(sqlite3.Error):
                self._connection.close()

    def _commit(self, batch: list[Write]) -> None:
        writes = [write for write in batch if not isinstance(write, _Flush)]
        try:
            if writes and not self._failed:
                self._write(writes)
        finally:
            for write in batch:  # after the commit: what was queued before a flush is on disk
                if isinstance(write, _Flush):
                    write.done.set()

    def _write(self, writes: list[Write]) -> None:
        try:
            self._connection.execute("BEGIN")
            for write in writes:
                write(self._connection)
            self._connection.execute("COMMIT")
        except Exception as exc:  # sqlite3.Error, or an encoding bug: the writer thread must go on
            self._failed = True
            log.warning("telemetry: writing %s failed (%s); keeping telemetry in memory only from now", self.path.name, exc)
            with contextlib.suppress(sqlite3.Error):
                self._connection.execute("ROLLBACK")


class _OtherVersion(PyspireError):
    """The file was written by another version of pyspire's telemetry tables."""


class _Flush:
    """A marker in the queue: set once everything queued before it is committed."""

    def __init__(self) -> None:
        self.done = threading.Event()

    def __call__(self, db: sqlite3.Connection) -> None:
        return None
