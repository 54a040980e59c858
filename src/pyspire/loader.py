"""Executing a user's ``apphost.py`` the way ``python apphost.py`` would, and holding it to its
contract: it must end by calling ``run()``.

Used by ``pyspire run`` and by the testing harness: ``__name__`` is ``"__main__"``, ``__file__`` is
the path (so relative paths resolve against its folder) and its folder is on ``sys.path`` (so it can
import its own helper modules). When the file fails, :func:`user_traceback` shows the user's own
frames, not pyspire's, click's or runpy's around them.
"""

from __future__ import annotations

import atexit
import os
import runpy
import sys
import traceback
from collections.abc import Iterator, Mapping
from pathlib import Path

from pyspire.errors import ConfigurationError

NO_RUN_FIX = "call builder.build().run() at the end of it"


class AppHostNotFound(ConfigurationError, FileNotFoundError):
    """The path given (or ``./apphost.py``) is not an app host; the message says what to pass."""


def find_apphost(path: str | Path | None) -> Path:
    """``path`` itself, ``path/apphost.py`` for a folder, or ``./apphost.py`` by default."""
    candidate = Path(path) if path is not None else Path.cwd()
    if candidate.is_dir():
        candidate = candidate / "apphost.py"
    if not candidate.is_file():
        raise AppHostNotFound(f"no app host at {candidate}; pass the path to your apphost.py")
    return candidate.resolve()


class _Calls:
    """How many ``execute_apphost`` calls are under way, and how many times ``run()`` was called."""

    executing = 0
    runs = 0
    armed = False


def note_run() -> None:
    """Called by ``DistributedApplication.run()`` and ``start()``: the app is being run."""
    _Calls.runs += 1


def execute_apphost(path: Path) -> bool:
    """Run the file as ``__main__``, with its folder first on ``sys.path`` and as ``sys.argv[0]``.
    Returns whether it called ``run()``."""
    folder = str(path.parent)
    saved_argv = sys.argv[:]
    runs_before = _Calls.runs
    sys.path.insert(0, folder)
    sys.argv = [str(path)]
    _Calls.executing += 1
    try:
        runpy.run_path(str(path), run_name="__main__")
    finally:
        _Calls.executing -= 1
        sys.argv = saved_argv
        if folder in sys.path:
            sys.path.remove(folder)
    return _Calls.runs > runs_before


def expect_run_at_exit(script_globals: Mapping[str, object]) -> None:
    """For ``python apphost.py``, which pyspire does not execute itself: when the script that
    created a builder ends without calling ``run()``, say so at exit instead of exiting silently.
    (The exit code stays the interpreter's: an exit handler cannot change it cleanly.)"""
    script = script_globals.get("__file__")
    if _Calls.executing or _Calls.armed or script_globals.get("__name__") != "__main__" or not script:
        return
    _Calls.armed = True
    atexit.register(_complain_if_never_run, str(script))


def _complain_if_never_run(script: str) -> None:
    if _Calls.runs or hasattr(sys, "last_value"):  # ran, or died of an error already shown
        return
    print(f"pyspire: {script} created an app builder but never called run(), so nothing was started; "
          f"{NO_RUN_FIX}", file=sys.stderr)


# -- the user's traceback ------------------------------------------------------------------------

#: Code around the user's, whose frames explain nothing about their mistake.
_HIDDEN_MODULES = ("pyspire", "click", "asyncio", "runpy", "importlib")


def _hidden_prefixes() -> tuple[str, ...]:
    prefixes = []
    for name in _HIDDEN_MODULES:
        module = sys.modules.get(name)
        location = getattr(module, "__file__", None)
        if location:
            path = Path(location)
            prefixes.append(str(path.parent if path.name == "__init__.py" else path.with_suffix("")))
    return tuple(prefixes)


def user_traceback(exc: BaseException, path: Path, everything: bool = False) -> str:
    """``exc`` formatted as Python would, keeping only the frames of the user's code: nothing
    before the first frame of ``path`` (the launcher, click, runpy), and no frame of pyspire,
    click, asyncio, runpy or importlib after it. ``everything`` keeps every frame."""
    summary = traceback.TracebackException.from_exception(exc)
    if not everything:
        hidden = _hidden_prefixes()
        app_host = os.path.realpath(path)
        for index, part in enumerate(_chain(summary)):
            frames = list(part.stack)
            if index == 0:
                starts = [i for i, f in enumerate(frames) if os.path.realpath(f.filename) == app_host]
                frames = frames[starts[0] :] if starts else []
            kept = [f for f in frames if not _is_hidden(f.filename, hidden)]
            part.stack = traceback.StackSummary.from_list(kept)
    return "".join(summary.format())


def _chain(summary: traceback.TracebackException) -> Iterator[traceback.TracebackException]:
    """The exception and every one it was raised from or during (each has its own frames)."""
    seen: set[int] = set()
    pending = [summary]
    while pending:
        part = pending.pop(0)
        if id(part) in seen:
            continue
        seen.add(id(part))
        yield part
        pending.extend(p for p in (part.__cause__, part.__context__) if p is not None)
        pending.extend(part.exceptions or ())


def _is_hidden(filename: str, hidden: tuple[str, ...]) -> bool:
    if filename.startswith("<frozen "):
        return True
    real = os.path.realpath(filename)
    return any(real == prefix + ".py" or real.startswith(prefix + os.sep) for prefix in hidden)
