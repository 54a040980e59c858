"""Where in the user's code a builder call was made.

A problem found in the model is only half useful without the line that caused it: "resource 'api',
with_replicas: '3' is not a whole number" is found at once when it also says ``apphost.py:12``.
Builders record the call site of each annotation; validation puts it in front of the problem.
The site is the first frame outside the pyspire package, so a call made through an integration
(which itself calls the builders) still points at the user's line.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

_PACKAGE = str(Path(__file__).resolve().parent.parent) + os.sep
_inside: dict[str, bool] = {}


@dataclass(frozen=True)
class CallSite:
    """A file and line in the user's code."""

    filename: str
    lineno: int

    def __str__(self) -> str:
        return f"{_shown_path(self.filename)}:{self.lineno}"


def user_call_site() -> CallSite | None:
    """The innermost frame of the current call stack that is not pyspire's own code."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not _in_package(filename):
            return CallSite(filename, frame.f_lineno)
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _in_package(filename: str) -> bool:
    known = _inside.get(filename)
    if known is None:
        known = _inside[filename] = os.path.realpath(filename).startswith(_PACKAGE)
    return known


def _shown_path(filename: str) -> str:
    """Relative to the current folder when below it (short, and still clickable in a terminal)."""
    try:
        return os.path.relpath(filename) if Path(filename).resolve().is_relative_to(Path.cwd()) else filename
    except (OSError, ValueError):
        return filename
