"""How the store's filters compare records: severities in order, attributes as text, text as
case-insensitive substrings (what queries.py promises every reader)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from pyspire.telemetry.records import Attributes, AttributeValue, Severity

SEVERITY_ORDER: tuple[Severity, ...] = ("unspecified", "trace", "debug", "info", "warn", "error", "fatal")
SEVERITY_RANK: dict[str, int] = {name: rank for rank, name in enumerate(SEVERITY_ORDER)}


def attribute_text(value: AttributeValue) -> str:
    """An attribute's value as a filter compares it: ``true``/``false``, numbers as written,
    arrays and maps as compact JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)


def attributes_match(attributes: Attributes, wanted: Mapping[str, str]) -> bool:
    for key, expected in wanted.items():
        if key not in attributes or attribute_text(attributes[key]) != expected:
            return False
    return True


def attributes_key(attributes: Mapping[str, object]) -> str:
    """A stable, hashable name for a set of attributes (a metric series' identity)."""
    return json.dumps(attributes, separators=(",", ":"), sort_keys=True, default=str)
