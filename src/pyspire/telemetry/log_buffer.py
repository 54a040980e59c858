"""The bounded log buffer: every record in arrival order (ids increase), indexed by resource and
by trace id so the read API's common filters look only at what can match.

Evicting the oldest record of the whole buffer also evicts the oldest of its resource's and its
trace's index (each index is in arrival order too), so eviction is O(1).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from pyspire.telemetry.fifo import Fifo
from pyspire.telemetry.matching import SEVERITY_RANK, attributes_match
from pyspire.telemetry.queries import LogQuery
from pyspire.telemetry.records import LogEntry


def _id(entry: LogEntry) -> int:
    return entry.id


class LogBuffer:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.evicted = 0
        self.last_id = 0
        self._all: Fifo[LogEntry] = Fifo()
        self._by_resource: dict[str, Fifo[LogEntry]] = {}
        self._by_trace: dict[str, Fifo[LogEntry]] = {}

    def __len__(self) -> int:
        return len(self._all)

    def count(self, resource: str) -> int:
        index = self._by_resource.get(resource)
        return len(index) if index is not None else 0

    def add(self, entries: Sequence[LogEntry], keep_ids: bool = False) -> tuple[list[LogEntry], list[LogEntry]]:
        """Store ``entries`` with new increasing ids (or their own, when loading); returns what
        was stored and what was evicted to make room."""
        stored: list[LogEntry] = []
        for entry in entries:
            if keep_ids and entry.id > self.last_id:
                self.last_id = entry.id
            else:
                self.last_id += 1
                entry = dataclasses.replace(entry, id=self.last_id)
            stored.append(entry)
            self._all.append(entry)
            self._by_resource.setdefault(entry.origin.resource, Fifo()).append(entry)
            if entry.trace_id:
                self._by_trace.setdefault(entry.trace_id, Fifo()).append(entry)
        evicted: list[LogEntry] = []
        while len(self._all) > self.limit:
            evicted.append(self._evict_oldest())
        self.evicted += len(evicted)
        return stored, evicted

    def _evict_oldest(self) -> LogEntry:
        entry = self._all.popleft()
        _pop_front(self._by_resource, entry.origin.resource)
        if entry.trace_id:
            _pop_front(self._by_trace, entry.trace_id)
        return entry

    def query(self, query: LogQuery) -> list[LogEntry]:
        """The newest ``limit`` matches, oldest first; with only ``after_id`` the oldest
        ``limit`` after it (so a client paging forward misses nothing)."""
        candidates = self._candidates(query)
        if query.limit <= 0:
            return []
        end = len(candidates) if query.before_id is None else candidates.bisect_left(query.before_id, _id)
        start = 0 if query.after_id is None else candidates.bisect_left(query.after_id + 1, _id)
        found: list[LogEntry] = []
        if query.after_id is not None and query.before_id is None:
            for index in range(start, end):
                entry = candidates[index]
                if _matches(entry, query):
                    found.append(entry)
                    if len(found) >= query.limit:
                        break
            return found
        for index in range(end - 1, start - 1, -1):
            entry = candidates[index]
            if _matches(entry, query):
                found.append(entry)
                if len(found) >= query.limit:
                    break
        found.reverse()
        return found

    def _candidates(self, query: LogQuery) -> Fifo[LogEntry]:
        options = [self._all]
        if query.resource is not None:
            options.append(self._by_resource.get(query.resource, Fifo()))
        if query.trace_id is not None:
            options.append(self._by_trace.get(query.trace_id, Fifo()))
        return min(options, key=len)

    def clear(self, resource: str | None = None) -> None:
        if resource is None:
            kept: list[LogEntry] = []
        else:
            kept = [entry for entry in self._all if entry.origin.resource != resource]
        self._all = Fifo()
        self._by_resource = {}
        self._by_trace = {}
        for entry in kept:
            self._all.append(entry)
            self._by_resource.setdefault(entry.origin.resource, Fifo()).append(entry)
            if entry.trace_id:
                self._by_trace.setdefault(entry.trace_id, Fifo()).append(entry)


def _pop_front(index: dict[str, Fifo[LogEntry]], key: str) -> None:
    entries = index.get(key)
    if entries is None:
        return
    entries.popleft()
    if not entries:
        del index[key]


def _matches(entry: LogEntry, query: LogQuery) -> bool:
    if query.resource is not None and entry.origin.resource != query.resource:
        return False
    if query.replica is not None and entry.origin.replica != query.replica:
        return False
    if query.trace_id is not None and entry.trace_id != query.trace_id:
        return False
    if query.min_severity is not None and SEVERITY_RANK[entry.severity] < SEVERITY_RANK[query.min_severity]:
        return False
    if query.text is not None and query.text.lower() not in entry.body.lower():
        return False
    return attributes_match(entry.attributes, query.attributes)
