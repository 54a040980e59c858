"""Executing a user's ``apphost.py`` the way ``python apphost.py`` would.

Used by ``pyspire run`` and by the testing harness: ``__name__`` is ``"__main__"``, ``__file__`` is
the path (so relative paths resolve against its folder) and its folder is on ``sys.path`` (so it can
import its own helper modules).
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path


class AppHostNotFound(FileNotFoundError):
    pass


def find_apphost(path: str | Path | None) -> Path:
    """``path`` itself, ``path/apphost.py`` for a folder, or ``./apphost.py`` by default."""
    candidate = Path(path) if path is not None else Path.cwd()
    if candidate.is_dir():
        candidate = candidate / "apphost.py"
    if not candidate.is_file():
        raise AppHostNotFound(f"no app host at {candidate}; pass the path to your apphost.py")
    return candidate.resolve()


def execute_apphost(path: Path) -> None:
    """Run the file as ``__main__``, with its folder first on ``sys.path`` and as ``sys.argv[0]``."""
    folder = str(path.parent)
    saved_argv = sys.argv[:]
    sys.path.insert(0, folder)
    sys.argv = [str(path)]
    try:
        runpy.run_path(str(path), run_name="__main__")
    finally:
        sys.argv = saved_argv
        if folder in sys.path:
            sys.path.remove(folder)
