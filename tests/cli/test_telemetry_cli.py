"""``pyspire telemetry …`` end to end: an app host started with ``pyspire start`` runs a program
instrumented with the real OpenTelemetry SDK (tests/cli/otel_shop.py), whose OTLP exporters send
to the app host's receiver; the commands read it back through the telemetry read API, as a user
at another terminal (or a CI script with --format json) would."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.telemetry_app import PYSPIRE, ShopApp, cli_env, shop_has_sent_everything, started_shop

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShopApp]:
    for app in started_shop(tmp_path_factory.mktemp("shop")):
        shop_has_sent_everything(app)
        yield app


def _trace_id(app: ShopApp, name: str) -> str:
    [summary] = [s for s in app.json("telemetry", "traces", "--text", name) if s["name"] == name]
    return str(summary["trace_id"])


def test_logs_show_what_the_program_logged_filtered_by_severity_text_and_trace(shop: ShopApp) -> None:
    warnings = shop.json("telemetry", "logs", "--resource", "shop", "--severity", "warn")
    assert [r["body"] for r in warnings] == ["payment failed", "stock low"]  # oldest first, no info ticks
    assert {r["severity"] for r in warnings} == {"error", "warn"}
    assert all(r["replica"].startswith("shop-") for r in warnings)

    orders = _trace_id(shop, "GET /orders")
    [inside] = shop.json("telemetry", "logs", "--trace-id", orders)
    assert inside["body"] == "order 42 placed" and inside["span_id"]

    table = shop.ok("telemetry", "logs", "--severity", "warning")  # the spelling Python's logging uses
    lines = table.splitlines()
    assert len(lines) == 2, table
    assert "ERROR" in lines[0] and "payment failed" in lines[0] and "trace=" in lines[0]
    assert "WARN" in lines[1] and "stock low" in lines[1] and "shop-" in lines[1]

    assert shop.json("telemetry", "logs", "--text", "STOCK") == warnings[1:]  # any case
    assert "no log records match" in shop.ok("telemetry", "logs", "--resource", "quiet")


def test_logs_limit_keeps_the_newest(shop: ShopApp) -> None:
    everything = shop.json("telemetry", "logs", "--text", "tick", "--limit", "1000")
    newest = shop.json("telemetry", "logs", "--text", "tick", "--limit", "2")
    assert len(newest) == 2 and len(everything) > 2
    assert newest[0]["id"] < newest[1]["id"]  # still oldest first
    assert newest[0]["id"] >= everything[-2]["id"]


def test_logs_follow_prints_each_new_record_as_it_arrives(shop: ShopApp) -> None:
    [stored] = shop.json("telemetry", "logs", "--text", "tick", "--limit", "1")
    follower = subprocess.Popen(
        [PYSPIRE, "telemetry", "logs", "-f", "--text", "tick", "--limit", "1", "--format", "json"],
        cwd=shop.folder, env=shop.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert follower.stdout is not None
        records = [json.loads(follower.stdout.readline()) for _ in range(4)]  # the newest, then three new ones
    finally:
        follower.terminate()
        follower.wait(10)
    ids = [r["id"] for r in records]
    assert ids == sorted(ids) and len(set(ids)) == 4, records
    assert ids[0] >= stored["id"] and ids[-1] >= stored["id"] + 3, "records logged after the follower started"
    assert all(r["body"].startswith("tick") for r in records)


def test_traces_list_with_duration_and_status_filters(shop: ShopApp) -> None:
    listed = shop.json("telemetry", "traces", "--resource", "shop")
    assert [s["name"] for s in listed] == ["POST /pay", "GET /orders"]  # newest first
    orders, pay = listed[1], listed[0]
    assert orders["span_count"] == 2 and orders["duration_ms"] >= 300 and orders["error_count"] == 0
    assert pay["error_count"] == 1

    assert [s["name"] for s in shop.json("telemetry", "traces", "--min-duration", "250ms")] == ["GET /orders"]
    assert [s["name"] for s in shop.json("telemetry", "traces", "--max-duration", "0.25s")] == ["POST /pay"]
    assert [s["name"] for s in shop.json("telemetry", "traces", "--status", "error")] == ["POST /pay"]
    assert [s["name"] for s in shop.json("telemetry", "traces", "--attribute", "http.route=/orders")] == ["GET /orders"]
    assert shop.json("telemetry", "traces", "--min-duration", "1h") == []

    table = shop.ok("telemetry", "traces")
    assert orders["trace_id"] in table and pay["trace_id"] in table and "GET /orders" in table
    assert "no traces match" in shop.ok("telemetry", "traces", "--min-duration", "1h")


def test_trace_shows_the_spans_as_a_tree_with_durations_and_a_timeline(shop: ShopApp) -> None:
    orders = _trace_id(shop, "GET /orders")
    shown = shop.ok("telemetry", "trace", orders)
    lines = shown.splitlines()
    assert "GET /orders" in lines[0] and orders in lines[0] and "2 spans" in lines[0]
    [root] = [line for line in lines if "GET /orders" in line and "shop-" in line]
    [child] = [line for line in lines if "SELECT orders" in line]
    assert child.index("SELECT orders") > root.index("GET /orders"), "the child is indented under its parent"
    assert "ms" in child and "█" in child
    assert root.count("█") >= child.count("█") > 0  # the query lies within the request, nearly all of it

    whole = shop.json("telemetry", "trace", orders.upper())  # ids in any case
    assert [s["name"] for s in whole["spans"]] == ["GET /orders", "SELECT orders"]
    assert whole["spans"][1]["parent_span_id"] == whole["spans"][0]["span_id"]


def test_an_unknown_trace_is_named_in_one_line(shop: ShopApp) -> None:
    missing = "ab" * 16
    result = shop.cli("telemetry", "trace", missing)
    assert result.returncode == 1 and missing in result.stderr
    assert result.stderr.startswith("error:") and len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_spans_across_traces_by_name_attribute_and_duration(shop: ShopApp) -> None:
    [query] = shop.json("telemetry", "spans", "--name", "select")
    assert query["name"] == "SELECT orders" and query["attributes"]["db.system"] == "postgresql"
    assert shop.json("telemetry", "spans", "--attribute", "db.system=postgresql") == [query]
    slow = shop.json("telemetry", "spans", "--min-duration", "250ms")
    assert {s["name"] for s in slow} == {"GET /orders", "SELECT orders"}
    [failed] = shop.json("telemetry", "spans", "--status", "error")
    assert failed["name"] == "POST /pay" and failed["status_message"] == "card declined"
    table = shop.ok("telemetry", "spans", "--status", "error")
    assert "POST /pay" in table and "card declined" in table


def test_metrics_list_the_instruments_and_one_instruments_latest_values(shop: ShopApp) -> None:
    instruments = {i["name"]: i for i in shop.json("telemetry", "metrics", "--resource", "shop")}
    assert instruments["orders.placed"]["kind"] == "sum" and instruments["orders.placed"]["monotonic"] is True
    assert instruments["order.value"]["kind"] == "histogram"
    assert "orders.placed" in shop.ok("telemetry", "metrics")

    counter = shop.json("telemetry", "metrics", "orders.placed")
    [series] = counter["series"]
    assert series["attributes"] == {"region": "eu"} and series["points"][-1]["value"] == 3
    shown = shop.ok("telemetry", "metrics", "orders.placed")
    assert "Orders placed" in shown and "region=eu" in shown and "3 {order}" in shown

    histogram = shop.ok("telemetry", "metrics", "order.value")
    assert "count=2" in histogram and "sum=40" in histogram and "mean=20" in histogram


BAD_FILTERS = {
    "a duration without a unit": (["traces", "--min-duration", "250"], "--min-duration: '250' is not a duration"),
    "a duration that is not one": (["spans", "--min-duration", "soon"], "--min-duration: 'soon' is not a duration"),
    "an unknown severity": (["logs", "--severity", "loud"], "--severity 'loud' is not a severity; use one of"),
    "an unknown status": (["traces", "--status", "broken"], "--status 'broken' is not a span status"),
    "an attribute without a value": (["logs", "--attribute", "http.route"], "--attribute 'http.route' is not KEY=VALUE"),
    "a trace id that is not one": (["trace", "xyz"], "TRACE_ID 'xyz' is not a trace id"),
    "a limit that is not a count": (["spans", "--limit", "0"], "--limit '0' is not a count; use a whole number from 1"),
    "a resource name that is not one": (["logs", "--resource", "../stop"], "--resource: '../stop' is not a resource name"),
}


@pytest.mark.parametrize("case", list(BAD_FILTERS))
def test_a_bad_filter_is_one_line_naming_the_option(case: str, tmp_path: Path) -> None:
    """Checked before any app host is looked for: the line names the option and what it accepts."""
    args, says = BAD_FILTERS[case]
    result = subprocess.run(
        [PYSPIRE, "telemetry", *args], cwd=tmp_path, env=cli_env(tmp_path / "state"), capture_output=True, text=True,
        timeout=30, check=False,
    )
    assert result.returncode == 2, result.stderr
    assert says in result.stderr and result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_an_app_host_without_telemetry_says_so_and_how_to_turn_it_on(tmp_path: Path) -> None:
    for app in started_shop(tmp_path / "off", PYSPIRE_TELEMETRY="0"):
        for args in (["logs"], ["traces"], ["metrics"], ["trace", "ab" * 16]):
            result = app.cli("telemetry", *args)
            assert result.returncode == 1, result.stderr
            assert "keeps no telemetry (PYSPIRE_TELEMETRY=0" in result.stderr, result.stderr
            assert len(result.stderr.strip().splitlines()) == 1, result.stderr
