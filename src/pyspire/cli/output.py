"""How the CLI prints: tables and colours in a terminal, plain aligned columns when piped, JSON
for scripts (``--format json``)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pyspire.console.styles import UNWRAPPED_WIDTH, style_of
from pyspire.durations import age

FORMAT_OPTION = click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="json: machine-readable output for scripts.",
)
APPHOST_OPTION = click.option(
    "--apphost",
    metavar="PATH",
    default=None,
    help="The app host to talk to (its apphost.py or folder); default: the one in or above this folder.",
)


def out() -> Console:
    """stdout: colours and boxes only in a terminal; no wrapping when piped (scripts cut columns)."""
    return _console(stderr=False)


def err() -> Console:
    """stderr, likewise: an error in a CI log keeps its paths whole instead of wrapping at 80."""
    return _console(stderr=True)


def _console(stderr: bool) -> Console:
    terminal = (sys.stderr if stderr else sys.stdout).isatty()
    return Console(stderr=stderr, highlight=False, soft_wrap=not terminal, width=None if terminal else UNWRAPPED_WIDTH)


def fail(message: str, code: int = 1) -> None:
    """Print an error to stderr and exit with ``code`` (1: the operation failed, 2: bad usage)."""
    err().print(f"[bold red]error:[/] {escape(message)}")
    sys.exit(code)


def print_json(data: Any) -> None:
    """Indented for a person at a terminal; compact for a program (Python's indenting encoder is
    several times slower, which shows on 100 resources)."""
    click.echo(json.dumps(data, indent=2) if sys.stdout.isatty() else json.dumps(data))


def styled(value: str | None) -> str:
    if not value:
        return ""
    style = style_of(value)
    return f"[{style}]{escape(value)}[/]" if style else escape(value)


def table(columns: Sequence[str], rows: Sequence[Sequence[str]], title: str | None = None) -> Table:
    """A table with boxes in a terminal, plain space-aligned columns when piped."""
    terminal = sys.stdout.isatty()
    result = Table(
        title=title or None,
        title_justify="left",
        box=box.SIMPLE_HEAD if terminal else None,
        show_edge=False,
        pad_edge=False,
        header_style="bold" if terminal else "",
    )
    for column in columns:
        result.add_column(column.upper() if not terminal else column, overflow="fold")
    for row in rows:
        result.add_row(*row)
    return result


@contextmanager
def progress(message: str) -> Iterator[Any]:
    """A spinner on stderr while a command waits, in a terminal only; yields a status (or None)."""
    console = err()
    if not console.is_terminal:
        with nullcontext(None) as nothing:
            yield nothing
        return
    with console.status(message) as status:
        yield status


def since(timestamp: str | None) -> str:
    """How long ago an RFC 3339 timestamp was, as kubectl prints ages ('3m12s')."""
    return age(timestamp) if timestamp else ""
