"""Calling the user's code at run time without letting it take the app host down.

Env and args callbacks, custom value providers, custom commands, ``enabled_when`` predicates and
custom health checks are the user's code running inside the app host. Whatever they raise must
fail only their own resource (or command, or check), and the user must see *their* frames — not
pyspire's, asyncio's or the event loop's — the way Python would show the error had they called
the function themselves.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import traceback
from pathlib import Path

#: Frames in these folders (pyspire's package, asyncio's) are the machinery around the user's
#: code, not the code itself.
_MACHINERY = tuple(
    str(folder) + os.sep for folder in (Path(__file__).parent.parent, Path(inspect.getfile(asyncio)).parent)
)

#: What a user's code may raise that must not escape: every Exception, and ``SystemExit`` (a
#: ``sys.exit()`` in a callback would otherwise end the app host). KeyboardInterrupt and
#: cancellation keep their meaning.
USER_ERRORS: tuple[type[BaseException], ...] = (Exception, SystemExit)


def _user_frames(exc: BaseException) -> traceback.StackSummary:
    """From the first frame outside the machinery on — or every frame when there is none: then
    the error is pyspire's own, and its whole traceback is what a bug report needs."""
    frames = traceback.extract_tb(exc.__traceback__)
    first = next((i for i, f in enumerate(frames) if not f.filename.startswith(_MACHINERY)), 0)
    return traceback.StackSummary.from_list(frames[first:])


def raised_by_user_code(exc: BaseException) -> bool:
    """True when the innermost frame is outside pyspire: the user's code (or a library it called)
    raised it, rather than pyspire rejecting what that code returned."""
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and not frames[-1].filename.startswith(_MACHINERY)


def describe(exc: BaseException) -> str:
    """``Type: message`` — one line for a state message or a command result."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def user_traceback(exc: BaseException) -> list[str]:
    """The traceback as Python prints it, from the first frame of the user's code on (chained
    exceptions are left out: the user's own frames are what they need to find the line)."""
    lines = ["Traceback (most recent call last):"]
    for chunk in _user_frames(exc).format():
        lines.extend(chunk.rstrip("\n").split("\n"))
    for chunk in traceback.format_exception_only(exc):
        lines.extend(chunk.rstrip("\n").split("\n"))
    return lines
