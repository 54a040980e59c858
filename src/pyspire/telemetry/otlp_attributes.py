"""OTLP ``KeyValue`` lists and ``AnyValue`` into plain Python values, with the store's limits.

A sender can attach any number of attributes of any length; the store keeps what a person can
read in the dashboard and what fits its memory budget. So at most ``max_attributes`` are kept
(the first ones, in the sender's order; the rest are counted so the span says "N dropped") and
every string is cut to ``max_attribute_length`` characters. Bytes become lowercase hex (the read
API is JSON), arrays tuples and key-value lists mappings, both under the same limits.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from pyspire.telemetry.records import Attributes, AttributeValue


@dataclass(frozen=True, slots=True)
class AttributeLimits:
    max_attributes: int
    max_length: int


def convert_attributes(pairs: Iterable[KeyValue], limits: AttributeLimits) -> tuple[Attributes, int]:
    """The attributes as a dict (keys in the sender's order) and how many the count limit dropped."""
    out: dict[str, AttributeValue] = {}
    dropped = 0
    max_count, max_length = limits.max_attributes, limits.max_length
    for kv in pairs:
        if len(out) >= max_count:
            dropped += 1
            continue
        value = kv.value
        # The common case, inlined: a string attribute (most of what instrumentations send).
        if value.WhichOneof("value") == "string_value":
            text = value.string_value
            out[kv.key] = text if len(text) <= max_length else text[:max_length]
        else:
            out[kv.key] = convert_value(value, limits)
    return out, dropped


def convert_value(value: AnyValue, limits: AttributeLimits) -> AttributeValue:
    """One ``AnyValue``; an unset value (allowed by OTLP) is None."""
    which = value.WhichOneof("value")
    if which == "string_value":
        text = value.string_value
        return text if len(text) <= limits.max_length else text[: limits.max_length]
    if which == "int_value":
        return value.int_value
    if which == "bool_value":
        return value.bool_value
    if which == "double_value":
        return value.double_value
    if which == "bytes_value":
        return value.bytes_value.hex()[: limits.max_length]
    if which == "array_value":
        return tuple(convert_value(v, limits) for v in value.array_value.values[: limits.max_attributes])
    if which == "kvlist_value":
        mapping, _ = convert_attributes(value.kvlist_value.values, limits)
        return mapping
    return None


class LazyAttributes(Mapping[str, AttributeValue]):
    """A span's (or event's, link's) attributes, converted on first read.

    Walking a span's ten attributes through protobuf's Python objects costs three times what
    parsing the whole span does, and most stored spans are never opened: the lists show names,
    times and statuses. So a span keeps its parsed ``KeyValue`` list and converts it (limits
    applied) the first time anything reads it; from then on it is a plain dict inside. It holds
    its batch's parsed message until then, which the store's own bounds keep bounded. Reads from
    any thread are safe (converting twice gives the same dict). ``dict(attributes)`` gives a
    plain dict (what ``json.dumps`` needs); pickling and copying give one too.
    """

    __slots__ = ("_pairs", "_limits", "_converted")

    def __init__(self, pairs: Sequence[KeyValue], limits: AttributeLimits) -> None:
        self._pairs: Sequence[KeyValue] | None = pairs
        self._limits = limits
        self._converted: Attributes | None = None

    def _dict(self) -> Attributes:
        converted = self._converted
        if converted is None:
            pairs = self._pairs
            converted = convert_attributes(pairs, self._limits)[0] if pairs is not None else {}
            self._converted = converted
            self._pairs = None
        return converted

    def __getitem__(self, key: str) -> AttributeValue:
        return self._dict()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict())

    def __len__(self) -> int:
        return len(self._dict())

    def __contains__(self, key: object) -> bool:
        return key in self._dict()

    def __repr__(self) -> str:
        return repr(self._dict())

    def __reduce__(self) -> tuple[type[dict[str, AttributeValue]], tuple[dict[str, AttributeValue]]]:
        return dict, (dict(self._dict()),)
