"""How ``pyspire telemetry trace`` lays out what senders actually send: incomplete traces, broken
parent links, zero-length spans — and how durations given on the command line are read."""

from __future__ import annotations

import pytest

from pyspire.cli.telemetry_views import BAR_WIDTH, bar, duration, span_tree
from pyspire.durations import parse_duration


def span(span_id: str, parent: str = "", start: float = 0.0, length: float = 1.0) -> dict[str, object]:
    return {"span_id": span_id, "parent_span_id": parent, "name": span_id, "start_ms": start, "duration_ms": length}


def test_children_are_listed_under_their_parent_by_start_time() -> None:
    spans = [span("late-child", "root", 5), span("root", "", 0, 10), span("early-child", "root", 1), span("grandchild", "early-child", 2)]
    assert [(depth, s["span_id"]) for depth, s in span_tree(spans)] == [
        (0, "root"), (1, "early-child"), (2, "grandchild"), (1, "late-child"),
    ]


def test_a_span_whose_parent_never_arrived_is_still_shown_as_a_root() -> None:
    """A trace whose root is in another service that exports later (or never)."""
    spans = [span("db", "api"), span("api", "gateway-not-sent", 0.5)]
    assert [(depth, s["span_id"]) for depth, s in span_tree(spans)] == [(0, "api"), (1, "db")]


def test_a_cycle_in_parent_links_shows_each_span_once() -> None:
    spans = [span("a", "b"), span("b", "a", 1), span("self", "self", 2)]
    shown = [s["span_id"] for _, s in span_tree(spans)]
    assert sorted(shown) == ["a", "b", "self"]


def test_the_bar_places_a_span_within_its_trace() -> None:
    assert bar(0, 100, 0, 100) == "█" * BAR_WIDTH
    second_half = bar(50, 50, 0, 100)
    assert second_half == " " * (BAR_WIDTH // 2) + "█" * (BAR_WIDTH // 2)
    instant = bar(100, 0, 0, 100)  # a zero-length span at the very end is still visible
    assert len(instant) == BAR_WIDTH and instant.endswith("█") and instant.count("█") == 1
    assert bar(0, 0, 0, 0) == "█" * BAR_WIDTH  # a trace of one instant


@pytest.mark.parametrize(
    ("ms", "shown"), [(0.42, "0.42ms"), (125.34, "125.3ms"), (1250, "1.25s"), (192_000, "3m12s")]
)
def test_durations_are_shown_precisely_where_it_matters(ms: float, shown: str) -> None:
    assert duration(ms) == shown


@pytest.mark.parametrize(("text", "seconds"), [("250ms", 0.25), ("1.5s", 1.5), ("2m", 120), ("1h30m", 5400), ("500us", 0.0005)])
def test_a_duration_filter_reads_its_unit(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["250", "", "fast", "1s2", "ms", "-1s"])
def test_a_duration_without_a_unit_or_number_is_refused_with_examples(text: str) -> None:
    with pytest.raises(ValueError, match="write a number with a unit, e.g. 250ms"):
        parse_duration(text)
