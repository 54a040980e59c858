"""``pyspire parameter set NAME`` and ``pyspire parameter list``: supply a missing parameter or
connection string while the app host runs, and see which have a value.

The value is never an argument (it would stay in the shell's history and show in ``ps``): in a
terminal it is asked for without echo (getpass); otherwise it is the first line of stdin, so
``pass show db | pyspire parameter set db-password`` works. ``--save`` also keeps it in the app
host's ``.pyspire/settings.json`` for the next runs.
"""

from __future__ import annotations

import getpass
import sys
from typing import Any

import click
from rich.markup import escape

from pyspire.cli.names import resource_argument
from pyspire.cli.output import APPHOST_OPTION, FORMAT_OPTION, fail, out, print_json, styled, table
from pyspire.cli.session import api_errors, connect
from pyspire.states import ResourceState

#: The resource types whose value comes from configuration.
CONFIGURED_TYPES = ("Parameter", "ConnectionString")


def _read_value(name: str) -> str:
    """The value, without echo in a terminal, else the first line of stdin (its newline dropped)."""
    if sys.stdin.isatty():
        try:
            return getpass.getpass(f"value for {name}: ")
        except (EOFError, KeyboardInterrupt):
            raise SystemExit(130) from None
    line = sys.stdin.readline()
    if not line:
        fail(f"no value for {name}: stdin is empty; pipe the value in, or run in a terminal to type it", 2)
    return line.removesuffix("\n").removesuffix("\r")


@click.group()
def parameter() -> None:
    """Parameters and connection strings of the running app host: list them, supply a missing one."""


@parameter.command("set")
@click.argument("name", callback=resource_argument)
@click.option("--save", is_flag=True, help="Also keep the value in .pyspire/settings.json for the next runs.")
@APPHOST_OPTION
@FORMAT_OPTION
def set_value(name: str, save: bool, apphost: str | None, output_format: str) -> None:
    """Supply the value of parameter (or connection string) NAME, read without echo in a
    terminal, else as one line from stdin; resources waiting for it then start."""
    with api_errors(), connect(apphost) as client:
        before = client.resource(name)  # a clear 404 before asking for a value
        if before["resource_type"] not in CONFIGURED_TYPES:  # nor a secret typed for nothing
            fail(f"resource '{name}' is a {before['resource_type']}, not a parameter or connection string", 1)
        result = client.set_parameter(name, _read_value(name), save)
    if output_format == "json":
        print_json(result)
        return
    kept = " and kept in .pyspire/settings.json" if result["saved"] else ""
    out().print(f"[green]✓[/] {name} supplied{kept} (now {styled(result['snapshot']['state'])})")
    if before["state"] != ResourceState.VALUE_MISSING:
        out().print("  it had a value already: resources started with the old one keep it until restarted")


def _row(snapshot: dict[str, Any]) -> dict[str, Any]:
    properties = snapshot.get("properties") or {}
    return {
        "name": snapshot["name"],
        "type": snapshot["resource_type"],
        "state": snapshot["state"],
        "value": properties.get("value") if isinstance(properties, dict) else None,
        "message": snapshot.get("state_message"),
    }


@parameter.command("list")
@APPHOST_OPTION
@FORMAT_OPTION
def list_values(apphost: str | None, output_format: str) -> None:
    """Every parameter and connection string: its state and value (secret ones masked)."""
    with api_errors(), connect(apphost) as client:
        rows = [_row(s) for s in client.resources() if s["resource_type"] in CONFIGURED_TYPES]
    if output_format == "json":
        print_json(rows)
        return
    if not rows:
        out().print("the app has no parameters or connection strings")
        return
    cells = [
        [escape(r["name"]), escape(r["type"]), styled(r["state"]), escape(r["value"] if r["value"] is not None else "(none)")]
        for r in rows
    ]
    out().print(table(["name", "type", "state", "value"], cells))
