"""The filters of ``pyspire telemetry …``, checked and turned into the read API's query parameters.

Every filter is checked here, before anything is sent, so a typo ends the command with one line
naming the option, what was wrong and what it accepts (exit code 2), instead of a usage screen or
whatever the server would make of it. The query parameter names are the read API's
(docs/telemetry.md): ``severity``, ``min_duration_ms``, ``attribute=k=v`` (repeatable) …
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import click

from pyspire.cli.names import checked_name
from pyspire.durations import parse_duration
from pyspire.errors import ConfigurationError

#: The read API's query parameters: a value, or a list for repeatable ones (``attribute``).
Params = dict[str, str | list[str]]

SEVERITIES = ("trace", "debug", "info", "warn", "error", "fatal")
#: What people type for the same levels (Python's and syslog's names).
_SEVERITY_ALIASES = {"warning": "warn", "err": "error", "critical": "fatal", "crit": "fatal"}
STATUSES = ("error", "ok", "unset")
_TRACE_ID = re.compile(r"[0-9a-f]{32}")


class FilterError(ConfigurationError):
    """A filter option holds something unusable; the message names the option and the fix."""


def resource(value: str | None, option: str = "--resource") -> str | None:
    if value is None:
        return None
    try:
        return checked_name(value)
    except click.BadParameter as exc:
        raise FilterError(f"{option}: {exc.message}") from None


def replica(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return checked_name(value, "replica")
    except click.BadParameter as exc:
        raise FilterError(f"--replica: {exc.message}") from None


def severity(value: str | None) -> str | None:
    """The lowest severity to show; ``warning`` and friends are accepted for ``warn``."""
    if value is None:
        return None
    wanted = value.strip().lower()
    wanted = _SEVERITY_ALIASES.get(wanted, wanted)
    if wanted not in SEVERITIES:
        raise FilterError(f"--severity {value!r} is not a severity; use one of {', '.join(SEVERITIES)}")
    return wanted


def status(value: str | None) -> str | None:
    if value is None:
        return None
    wanted = value.strip().lower()
    if wanted not in STATUSES:
        raise FilterError(f"--status {value!r} is not a span status; use one of {', '.join(STATUSES)}")
    return wanted


def trace_id(value: str | None, option: str = "--trace-id") -> str | None:
    """A trace id as OTLP/JSON and the read API write it: 32 hex digits (case does not matter)."""
    if value is None:
        return None
    wanted = value.strip().lower()
    if not _TRACE_ID.fullmatch(wanted) or wanted == "0" * 32:
        raise FilterError(
            f"{option} {value!r} is not a trace id; a trace id is 32 hex digits "
            "(pyspire telemetry traces lists them)"
        )
    return wanted


def duration_ms(value: str | None, option: str) -> float | None:
    """A duration option (``250ms``, ``1.5s``) in milliseconds, as the read API takes it."""
    if value is None:
        return None
    try:
        return parse_duration(value) * 1000.0
    except ValueError as exc:
        raise FilterError(f"{option}: {exc}") from None


def attributes(values: Sequence[str]) -> list[str]:
    """``--attribute k=v`` options, each kept as ``k=v`` (the value may itself hold ``=``)."""
    checked = []
    for value in values:
        key, equals, _ = value.partition("=")
        if not equals or not key.strip():
            raise FilterError(
                f"--attribute {value!r} is not KEY=VALUE; write e.g. --attribute http.route=/orders"
            )
        checked.append(f"{key.strip()}={value[len(key) + 1:]}")
    return checked


#: The read API's largest ``limit``.
MAX_LIMIT = 100_000


def limit(value: str) -> int:
    try:
        wanted = int(value.strip().replace("_", ""))
    except ValueError:
        wanted = 0
    if not 1 <= wanted <= MAX_LIMIT:
        raise FilterError(f"--limit {value!r} is not a count; use a whole number from 1 to {MAX_LIMIT:,}")
    return wanted


def params(**given: str | float | int | list[str] | None) -> Params:
    """The query parameters for the values that are set (numbers written without a trailing .0)."""
    result: Params = {}
    for name, value in given.items():
        if value is None or value == []:
            continue
        if isinstance(value, list):
            result[name] = value
        elif isinstance(value, float):
            result[name] = str(int(value)) if value == int(value) else repr(value)
        else:
            result[name] = str(value)
    return result
