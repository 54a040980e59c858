"""``pyspire telemetry …``: the structured logs, traces, spans and metrics a running app host
received from its resources over OTLP, read through its telemetry read API.

Filters are checked before anything is sent (:mod:`pyspire.cli.telemetry_filters`); the records
are printed by :mod:`pyspire.cli.telemetry_views`, or as the API's JSON with ``--format json``
(one object per line while following, so a script can read them as they come).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from pyspire.cli import telemetry_filters as filters
from pyspire.cli.output import APPHOST_OPTION, FORMAT_OPTION, out, print_json
from pyspire.cli.session import api_errors, connect
from pyspire.cli.telemetry_api import TelemetryApi
from pyspire.cli.telemetry_views import (
    LogPrinter,
    instruments_table,
    metric_view,
    spans_table,
    trace_view,
    traces_table,
)

F = TypeVar("F", bound=Callable[..., Any])


RESOURCE_OPTION = click.option("--resource", metavar="NAME", help="Only what this resource sent.")
ATTRIBUTE_OPTION = click.option(
    "--attribute", "attribute", metavar="KEY=VALUE", multiple=True, help="Only records with this attribute (repeatable)."
)
STATUS_OPTION = click.option("--status", metavar="error|ok|unset", help="Only spans (traces) with this status.")
MIN_DURATION_OPTION = click.option("--min-duration", metavar="DURATION", help="At least this long (250ms, 1.5s, 2m).")


def _limit(default: int) -> Callable[[F], F]:
    return click.option(
        "--limit", metavar="N", default=str(default), show_default=True, help="At most this many (the newest)."
    )


@contextmanager
def _session(apphost: str | None) -> Iterator[TelemetryApi]:
    """The telemetry API of the chosen app host; any failure ends the command with one line."""
    with api_errors(), connect(apphost) as client:
        yield TelemetryApi(client)


@click.group()
def telemetry() -> None:
    """Read the telemetry (OTLP logs, traces, metrics) the resources sent to the app host."""


@telemetry.command()
@RESOURCE_OPTION
@click.option("--replica", metavar="NAME", help="Only what this replica sent (its name, <resource>-<suffix>).")
@click.option("--severity", metavar="LEVEL", help="This level and above: trace, debug, info, warn, error, fatal.")
@click.option("--text", metavar="TEXT", help="Only records whose message contains TEXT (any case).")
@click.option("--trace-id", metavar="TRACE_ID", help="Only records logged inside this trace.")
@ATTRIBUTE_OPTION
@_limit(200)
@click.option("-f", "--follow", is_flag=True, help="Keep printing new records until Ctrl+C (or the app host stops).")
@APPHOST_OPTION
@FORMAT_OPTION
def logs(
    resource: str | None,
    replica: str | None,
    severity: str | None,
    text: str | None,
    trace_id: str | None,
    attribute: tuple[str, ...],
    limit: str,
    follow: bool,
    apphost: str | None,
    output_format: str,
) -> None:
    """Print the structured log records (oldest first), or follow new ones with -f."""
    with api_errors():
        params = filters.params(
            resource=filters.resource(resource),
            replica=filters.replica(replica),
            severity=filters.severity(severity),
            text=text or None,
            trace_id=filters.trace_id(trace_id),
            attribute=filters.attributes(attribute),
            limit=filters.limit(limit),
        )
    printer = LogPrinter()

    def show(record: dict[str, Any]) -> None:
        if output_format == "json":
            sys.stdout.write(json.dumps(record) + "\n")
            sys.stdout.flush()
        else:
            printer(record)

    with _session(apphost) as api:
        try:
            if follow:
                for batch in api.follow_logs(params):
                    for record in batch:
                        show(record)
                return
            records = api.logs(params)
            if output_format == "json":
                print_json(records)
            elif not records:
                out().print("no log records match" if params.keys() - {"limit"} else "no log records yet")
            else:
                for record in records:
                    printer(record)
        except BrokenPipeError:  # `pyspire telemetry logs -f | head`
            sys.stderr.close()


@telemetry.command()
@RESOURCE_OPTION
@click.option("--text", metavar="TEXT", help="Only traces with a span whose name contains TEXT.")
@MIN_DURATION_OPTION
@click.option("--max-duration", metavar="DURATION", help="At most this long (250ms, 1.5s, 2m).")
@STATUS_OPTION
@ATTRIBUTE_OPTION
@_limit(50)
@APPHOST_OPTION
@FORMAT_OPTION
def traces(
    resource: str | None,
    text: str | None,
    min_duration: str | None,
    max_duration: str | None,
    status: str | None,
    attribute: tuple[str, ...],
    limit: str,
    apphost: str | None,
    output_format: str,
) -> None:
    """List the traces, newest first (pyspire telemetry trace ID shows one)."""
    with api_errors():
        params = filters.params(
            resource=filters.resource(resource),
            text=text or None,
            min_duration_ms=filters.duration_ms(min_duration, "--min-duration"),
            max_duration_ms=filters.duration_ms(max_duration, "--max-duration"),
            status=filters.status(status),
            attribute=filters.attributes(attribute),
            limit=filters.limit(limit),
        )
    with _session(apphost) as api:
        _show_list(api.traces(params), output_format, params, "traces", traces_table)


@telemetry.command()
@click.argument("trace_id")
@APPHOST_OPTION
@FORMAT_OPTION
def trace(trace_id: str, apphost: str | None, output_format: str) -> None:
    """Show one trace: its spans as a tree, with durations and a timeline."""
    with api_errors():
        wanted = filters.trace_id(trace_id, "TRACE_ID")
    assert wanted is not None
    with _session(apphost) as api:
        found = api.trace(wanted)
        if output_format == "json":
            print_json(found)
            return
        heading, tree = trace_view(found)
        console = out()
        console.print(heading)
        console.print(tree)


@telemetry.command()
@RESOURCE_OPTION
@click.option("--trace-id", metavar="TRACE_ID", help="Only the spans of this trace.")
@click.option("--name", metavar="TEXT", help="Only spans whose name contains TEXT.")
@STATUS_OPTION
@ATTRIBUTE_OPTION
@MIN_DURATION_OPTION
@_limit(200)
@APPHOST_OPTION
@FORMAT_OPTION
def spans(
    resource: str | None,
    trace_id: str | None,
    name: str | None,
    status: str | None,
    attribute: tuple[str, ...],
    min_duration: str | None,
    limit: str,
    apphost: str | None,
    output_format: str,
) -> None:
    """List spans across traces (e.g. every slow database call: --name SELECT --min-duration 100ms)."""
    with api_errors():
        params = filters.params(
            resource=filters.resource(resource),
            trace_id=filters.trace_id(trace_id),
            name=name or None,
            status=filters.status(status),
            attribute=filters.attributes(attribute),
            min_duration_ms=filters.duration_ms(min_duration, "--min-duration"),
            limit=filters.limit(limit),
        )
    with _session(apphost) as api:
        _show_list(api.spans(params), output_format, params, "spans", spans_table)


@telemetry.command()
@click.argument("name", required=False)
@RESOURCE_OPTION
@APPHOST_OPTION
@FORMAT_OPTION
def metrics(name: str | None, resource: str | None, apphost: str | None, output_format: str) -> None:
    """List the instruments, or with NAME one instrument's series and their latest values."""
    with api_errors():
        params = filters.params(resource=filters.resource(resource))
    with _session(apphost) as api:
        if name is None:
            instruments = api.instruments(params)
            if output_format == "json":
                print_json(instruments)
            elif not instruments:
                out().print("no metrics yet" if not params else "no metrics from that resource")
            else:
                out().print(instruments_table(instruments))
            return
        metric = api.metric(name, params)
        if output_format == "json":
            print_json(metric)
            return
        heading, series = metric_view(metric)
        console = out()
        console.print(heading)
        console.print(series if metric["series"] else "no points yet")


def _show_list(
    found: list[Any], output_format: str, params: dict[str, Any], noun: str, table: Callable[[list[Any]], Any]
) -> None:
    """A listing as JSON, as a table, or as why it is empty (nothing matched, or nothing yet)."""
    if output_format == "json":
        print_json(found)
    elif not found:
        out().print(f"no {noun} match" if params.keys() - {"limit"} else f"no {noun} yet")
    else:
        out().print(table(found))
