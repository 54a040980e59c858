"""Connecting a CLI command to the chosen app host, and turning API failures into exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pyspire.cli.client import AppHostClient
from pyspire.cli.output import fail
from pyspire.cli.selection import select_apphost
from pyspire.errors import PyspireError


def connect(apphost: str | None) -> AppHostClient:
    """A client of the chosen app host; a :class:`SelectionError` (no app host, or several) ends the
    command with exit code 2 in :func:`pyspire.cli.main.main`."""
    return AppHostClient(select_apphost(apphost))


@contextmanager
def api_errors() -> Iterator[None]:
    """An API error (any :class:`PyspireError`) ends the command with its message and exit code
    (1 for the API's answers and an unreachable app host); Ctrl+C ends it quietly.

    The client checks the shape of what it returns; an answer that still surprises the code
    that prints it (a field of another type) ends the command the same way, not in a traceback."""
    try:
        yield
    except PyspireError as exc:
        fail(str(exc), exc.exit_code)
    except (KeyError, TypeError, AttributeError) as exc:
        fail(
            f"the app host's answer is not what this CLI reads ({type(exc).__name__}: {exc}); "
            "is the app host running another pyspire version? (pyspire --version)",
            1,
        )
    except KeyboardInterrupt:
        raise SystemExit(130) from None
