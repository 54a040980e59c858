"""The read API's query parameters: parsed, or refused with a 400 naming the parameter and what
it accepts (a typo in a filter must not silently match everything)."""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import TypeVar

from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException

from pyspire.telemetry.matching import SEVERITY_ORDER
from pyspire.telemetry.records import Severity, SpanStatus

MAX_LIMIT = 100_000
STATUSES: tuple[SpanStatus, ...] = ("unset", "ok", "error")
#: Common other spellings of the severities.
SEVERITY_ALIASES: dict[str, Severity] = {"warning": "warn", "critical": "fatal", "err": "error"}

T = TypeVar("T", bound=str)


class Params:
    def __init__(self, query: QueryParams, allowed: Collection[str]) -> None:
        unknown = sorted(set(query.keys()) - set(allowed))
        if unknown:
            raise HTTPException(
                400, f"unknown parameter '{unknown[0]}'; this endpoint accepts: {', '.join(sorted(allowed))}"
            )
        self.query = query

    def text(self, name: str) -> str | None:
        value = self.query.get(name)
        return value if value else None

    def flag(self, name: str) -> bool:
        raw = (self.query.get(name) or "").lower()
        if raw in ("", "0", "false", "no"):
            return False
        if raw in ("1", "true", "yes"):
            return True
        raise HTTPException(400, f"'{name}={self.query.get(name)}' is not 1 or 0")

    def integer(self, name: str, minimum: int = 0, maximum: int | None = None) -> int | None:
        raw = self.query.get(name)
        if not raw:
            return None
        try:
            value = int(raw)
        except ValueError:
            value = minimum - 1
        if value < minimum or (maximum is not None and value > maximum):
            top = "" if maximum is None else f" to {maximum}"
            raise HTTPException(400, f"'{name}={raw}' is not a whole number from {minimum}{top}")
        return value

    def limit(self, default: int) -> int:
        value = self.integer("limit", 1, MAX_LIMIT)
        return default if value is None else value

    def milliseconds_as_ns(self, name: str) -> int | None:
        raw = self.query.get(name)
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if not math.isfinite(value) or value < 0:
            raise HTTPException(400, f"'{name}={raw}' is not a number of milliseconds (e.g. 250 or 0.5)")
        return int(value * 1_000_000)

    def choice(self, name: str, choices: tuple[T, ...], aliases: dict[str, T] | None = None) -> T | None:
        raw = self.query.get(name)
        if not raw:
            return None
        wanted = raw.strip().lower()
        for choice in choices:
            if choice == wanted:
                return choice
        if aliases and wanted in aliases:
            return aliases[wanted]
        raise HTTPException(400, f"'{name}={raw}' is not one of: {', '.join(choices)}")

    def severity(self, name: str = "severity") -> Severity | None:
        return self.choice(name, SEVERITY_ORDER, SEVERITY_ALIASES)

    def status(self) -> SpanStatus | None:
        return self.choice("status", STATUSES)

    def attributes(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for raw in self.query.getlist("attribute"):
            key, sep, value = raw.partition("=")
            if not sep or not key:
                raise HTTPException(400, f"'attribute={raw}' is not KEY=VALUE (e.g. attribute=http.route=/orders)")
            found[key] = value
        return found
