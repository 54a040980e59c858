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
    """An API error ends the command with its message and exit code 1; Ctrl+C ends it quietly.

    The client checks the shape of what it returns; an answer that still surprises the code
    that prints it (a field of another type) ends the command the same way, not in a traceback."""
    try:
        yield
    except ApiError as exc:
        fail(str(exc), 1)
    except AppHostUnreachable as exc:
        fail(str(exc), 1)
    except (KeyError, TypeError, AttributeError) as exc:
        fail(
            f"the app host's answer is not what this CLI reads ({type(exc).__name__}: {exc}); "
            "is the app host running another pyspire version? (pyspire --version)",
            1,
        )
    except KeyboardInterrupt:
        raise SystemExit(130) from None
