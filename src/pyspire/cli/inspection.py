"""``pyspire ps`` (the app hosts on this machine) and ``pyspire describe`` (their resources)."""

from __future__ import annotations

from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from pyspire.cli.client import ApiError, AppHostClient, AppHostUnreachable
from pyspire.cli.names import resource_argument
from pyspire.cli.output import (
    APPHOST_OPTION,
    FORMAT_OPTION,
    out,
    print_json,
    since,
    styled,
    table,
)
from pyspire.cli.resource_tree import parent_name, resource_tree
from pyspire.cli.selection import candidates
from pyspire.cli.session import api_errors, connect
from pyspire.runtime.apphosts import RunningAppHost
from pyspire.states import EXPLAINED_STATES, ResourceState

_DETAIL_STATES = EXPLAINED_STATES


def _host_summary(host: RunningAppHost) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "app_host": str(host.app_host),
        "pid": host.pid,
        "run_id": host.run_id,
        "started_at": host.started_at,
        "uptime": since(host.started_at),
        "api": host.api_url,
        "kubeconfig": host.kubeconfig,
        "resources": None,
    }
    try:
        with AppHostClient(host, timeout=3.0) as client:
            summary["resources"] = client.info()["resources"]
    except (ApiError, AppHostUnreachable):
        pass  # listed anyway: it is alive, its API just did not answer in time
    return summary


def _counts(resources: dict[str, Any] | None) -> str:
    if not resources:
        return "?"
    states = resources.get("states", {})
    running = states.get(ResourceState.RUNNING, 0)
    text = f"{running}/{resources.get('total', 0)} running"
    failed = states.get(ResourceState.FAILED_TO_START, 0) + states.get(ResourceState.EXITED, 0)
    return text + (f", {failed} failed/exited" if failed else "")


@click.command()
@FORMAT_OPTION
def ps(output_format: str) -> None:
    """List the app hosts running on this machine."""
    summaries = [_host_summary(h) for h in candidates()]
    if output_format == "json":
        print_json(summaries)
        return
    if not summaries:
        out().print("no app host is running")
        return
    rows = [
        [escape(s["app_host"]), str(s["pid"]), s["uptime"], _counts(s["resources"]), s["api"]]
        for s in summaries
    ]
    out().print(table(["app host", "pid", "uptime", "resources", "api"], rows))


def _replicas(snapshot: dict[str, Any]) -> str:
    replicas = snapshot.get("replicas") or []
    if not replicas:
        return ""
    running = sum(1 for r in replicas if r["state"] == ResourceState.RUNNING)
    return f"{running}/{len(replicas)}"


def _exit(snapshot: dict[str, Any]) -> str:
    code = snapshot.get("exit_code")
    return "" if code is None else str(code)


def _details(snapshot: dict[str, Any]) -> str:
    urls = " ".join(u["url"] for u in snapshot.get("urls") or [])
    message = snapshot.get("state_message") if snapshot["state"] in _DETAIL_STATES else None
    return escape(" ".join(part for part in (urls, message or "") if part))


def _tree_name(depth: int, snapshot: dict[str, Any]) -> str:
    """The name, indented under its parent (``└ child``), marked when hidden."""
    name = ("  " * (depth - 1) + "└ " if depth else "") + escape(snapshot["name"])
    return name + (" [dim](hidden)[/]" if snapshot.get("hidden") else "")


def overview(snapshots: list[dict[str, Any]], title: str, show_hidden: bool = False) -> Table:
    rows = [
        [
            _tree_name(depth, s),
            s["resource_type"],
            styled(s["state"]),
            styled(s.get("health_status")),
            _replicas(s),
            _exit(s),
            _details(s),
        ]
        for depth, s in resource_tree(snapshots, show_hidden)
    ]
    return table(["name", "type", "state", "health", "replicas", "exit", "urls / details"], rows, title)


def _section(title: str) -> str:
    return f"\n[bold]{title}[/]"


def _detail(snapshot: dict[str, Any]) -> None:
    console = out()
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    state = styled(snapshot["state"])
    if snapshot.get("state_message"):
        state += f" — {escape(snapshot['state_message'])}"
    grid.add_row("Name", escape(snapshot["name"]))
    grid.add_row("Type", snapshot["resource_type"])
    if parent_name(snapshot):
        grid.add_row("Parent", escape(str(parent_name(snapshot))))
    if snapshot.get("hidden"):
        grid.add_row("Hidden", "yes [dim](internal to the app)[/]")
    grid.add_row("State", state)
    grid.add_row("Health", styled(snapshot.get("health_status")) or "-")
    grid.add_row("Started", f"{snapshot.get('started_at') or '-'}")
    if snapshot.get("stopped_at"):
        grid.add_row("Stopped", snapshot["stopped_at"])
    grid.add_row("Exit code", _exit(snapshot) or "-")
    grid.add_row("Restarts", str(snapshot.get("restart_count", 0)))
    for key, value in (snapshot.get("properties") or {}).items():
        grid.add_row(escape(key.replace("_", " ").capitalize()), escape(str(value)))
    console.print(grid)
    urls = snapshot.get("urls") or []
    if urls:
        console.print(_section("Endpoints"))
        console.print(table(["endpoint", "url"], [[escape(u["endpoint"]), escape(u["url"])] for u in urls]))
    replicas = snapshot.get("replicas") or []
    if replicas:
        console.print(_section("Replicas"))
        rows = [
            [
                escape(r["name"]),
                styled(r["state"]),
                str(r.get("pid") or (r.get("container_id") or "")[:12]),
                "" if r.get("exit_code") is None else str(r["exit_code"]),
                since(r.get("started_at")),
                escape(r.get("message") or ""),
            ]
            for r in replicas
        ]
        console.print(table(["name", "state", "pid / container", "exit", "up", "message"], rows))
    reports = snapshot.get("health_reports") or []
    if reports:
        console.print(_section("Health checks"))
        rows = [
            [escape(h["name"]), styled(h["status"]), escape(h.get("last_error") or h.get("description") or "")]
            for h in reports
        ]
        console.print(table(["check", "status", "details"], rows))
    env = snapshot.get("env") or []
    if env:
        console.print(_section("Environment") + " [dim](secrets masked)[/]")
        console.print(table(["name", "value"], [[escape(e["name"]), escape(e["value"])] for e in env]))
    relationships = snapshot.get("relationships") or []
    if relationships:
        console.print(_section("Relationships"))
        console.print(table(["type", "resource"], [[r["type"], escape(r["resource"])] for r in relationships]))
    commands = snapshot.get("commands") or []
    if commands:
        console.print(_section("Commands") + " [dim](pyspire resource NAME COMMAND [--arg KEY=VALUE])[/]")
        rows = [
            [escape(c["name"]), styled(c["state"]), escape(c.get("description") or ""), _arguments(c)]
            for c in commands
        ]
        console.print(table(["command", "state", "description", "arguments"], rows))


def _arguments(command: dict[str, Any]) -> str:
    """``region (required), mode=fast, token (secret)``: what ``--arg`` takes. A secret one's
    default is never in the snapshot, so never here."""
    shown = []
    for argument in command.get("arguments") or []:
        marks = [m for m, on in (("required", argument.get("required")), ("secret", argument.get("secret"))) if on]
        text = escape(str(argument["name"]))
        if argument.get("default") is not None:
            text += f"={escape(str(argument['default']))}"
        shown.append(text + (f" [dim]({', '.join(marks)})[/]" if marks else ""))
    return ", ".join(shown)


@click.command()
@click.argument("resource", required=False, callback=resource_argument)
@APPHOST_OPTION
@FORMAT_OPTION
@click.option("--all", "show_all", is_flag=True, help="Also list hidden (internal) resources.")
def describe(resource: str | None, apphost: str | None, output_format: str, show_all: bool = False) -> None:
    """Show the resources (state, health, replicas, URLs, exit codes), or one RESOURCE in detail.

    Children are listed under their parent; hidden resources only with --all."""
    with api_errors(), connect(apphost) as client:
        if resource:
            snapshot = client.resource(resource)
            if output_format == "json":
                print_json(snapshot)
            else:
                _detail(snapshot)
            return
        snapshots = client.resources()
        if output_format == "json":
            print_json([{**s, "parent": parent_name(s)} for _, s in resource_tree(snapshots, show_all)])
            return
        host = client.host
        title = f"{host.app_host} (pid {host.pid}, up {since(host.started_at)})"
        out().print(overview(snapshots, title, show_all))


