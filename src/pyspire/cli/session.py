"""Connecting a CLI command to the chosen app host, and turning API failures into exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pyspire.cli.client import ApiError, AppHostClient, AppHostUnreachable
from pyspire.cli.output import fail
from pyspire.cli.selection import SelectionError, select_apphost


def connect(apphost: str | None) -> AppHostClient:
    try:
        return AppHostClient(select_apphost(apphost))
    except SelectionError as exc:
        fail(str(exc), 2)
        raise  # unreachable: fail exits


@contextmanager
def api_errors() -> Iterator[None]:
    """An API error ends the command with its message and exit code 1; Ctrl+C ends it quietly."""
    try:
        yield
    except ApiError as exc:
        fail(str(exc), 1)
    except AppHostUnreachable as exc:
        fail(str(exc), 1)
    except KeyboardInterrupt:
        raise SystemExit(130) from None
