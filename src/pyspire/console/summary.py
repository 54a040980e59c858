"""The summary table ``pyspire run`` prints once resources settle, and again when the app stops.

A summary is read at a glance, so it must not make a failure look like success: a resource that
failed shows why (its state message), not the URL it would have had, and the headline counts the
failures ("app started in 0.41s — 3 of 8 resources failed: a, b, c").
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.markup import escape
from rich.table import Table

from pyspire.console.styles import UNKNOWN_STYLE, style_of
from pyspire.executor.snapshots import ResourceSnapshot
from pyspire.runtime.process import describe_exit
from pyspire.states import BLOCKED_STATES, FAILED_STATES, SETTLED_STATES, ResourceState

_NAMES_SHOWN = 5


def state_style(state: str) -> str:
    return style_of(state) or UNKNOWN_STYLE


def has_failed(snap: ResourceSnapshot) -> bool:
    """Failed to start, has no value, is unhealthy, or ended by itself with a non-zero code."""
    return snap.state in FAILED_STATES or (snap.state == ResourceState.EXITED and snap.exit_code not in (None, 0))


def details(snap: ResourceSnapshot) -> str:
    """The last column: why, for a resource that failed or waits; how it ended, for one that
    exited; otherwise where to reach it."""
    if snap.state in BLOCKED_STATES:
        return snap.state_message or ""
    if snap.state == ResourceState.EXITED and snap.exit_code is not None:
        ended = describe_exit(snap.exit_code)
        return f"{ended}: {snap.state_message}" if snap.state_message else ended
    return " ".join(u.url for u in snap.urls) or (snap.state_message or "")


def startup_headline(snapshots: Sequence[ResourceSnapshot], seconds: float) -> str:
    """``app started in 0.41s`` once every resource settled, else ``after 10.00s api is still
    starting``; then how many failed and which, in rich markup."""
    pending = [s.name for s in snapshots if s.state not in SETTLED_STATES]
    if pending:
        verb = "is" if len(pending) == 1 else "are"
        parts = [f"after {seconds:.2f}s {_names(pending)} {verb} still starting"]
    else:
        parts = [f"app started in {seconds:.2f}s"]
    failed = [s.name for s in snapshots if has_failed(s)]
    if failed:
        noun = "resource" if len(snapshots) == 1 else "resources"
        parts.append(f"[bold red]{len(failed)} of {len(snapshots)} {noun} failed: {_names(failed)}[/]")
    parts.append("Ctrl+C stops everything")
    return " — ".join(parts)


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(escape(n) for n in names[:_NAMES_SHOWN])
    more = len(names) - _NAMES_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def summary_table(title: str, snapshots: Sequence[ResourceSnapshot]) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    table.add_column("resource")
    table.add_column("type")
    table.add_column("state")
    table.add_column("urls / details", overflow="fold")
    for snap in (s for s in snapshots if not s.hidden):  # internal resources: the API lists them
        replicas = f" ×{len(snap.replicas)}" if len(snap.replicas) > 1 else ""
        table.add_row(
            escape(snap.name),
            snap.resource_type,
            f"[{state_style(snap.state)}]{snap.state}[/]{replicas}",
            escape(details(snap)),
        )
    return table
