"""Where a Python app's interpreter is: the virtual environment it runs from.

Decided at each start (``resolve_command``), not when the model is built, because an installer
child may have created the environment a moment before. The interpreter is the venv's own
``bin/python`` (never resolved through its symlink: Python finds ``pyvenv.cfg`` beside the path
it was started as, which is what makes the venv's packages importable).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from pyspire.errors import ConfigurationError

#: The folder name discovery looks for, in the app's folder and then beside apphost.py.
DEFAULT_VENV = ".venv"

_INTERPRETERS = ("bin/python", "bin/python3", "Scripts/python.exe")


def interpreter_in(venv: Path) -> Path | None:
    """The interpreter of the virtual environment ``venv``, or ``None`` when there is none."""
    for relative in _INTERPRETERS:
        candidate = venv / relative
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def discovery_places(app_dir: Path, apphost_dir: Path) -> tuple[Path, ...]:
    """``<app_dir>/.venv``, then ``<apphost dir>/.venv`` (once, when both are the same folder)."""
    places = (app_dir / DEFAULT_VENV, apphost_dir / DEFAULT_VENV)
    return places[:1] if places[0] == places[1] else places


def find_interpreter(resource: str, places: Sequence[Path], chosen_by: str | None = None) -> Path:
    """The interpreter of the first of ``places`` that has one; otherwise a
    :class:`ConfigurationError` naming every place looked in and the ways to fix it.
    ``chosen_by`` says where a single chosen venv came from (``with_virtual_environment``)."""
    for venv in places:
        found = interpreter_in(venv)
        if found is not None:
            return found
    first = places[0]
    create = f"python3 -m venv {first} && {first}/bin/python -m pip install -r requirements.txt"
    if chosen_by is not None:
        raise ConfigurationError(
            f"resource '{resource}': no Python interpreter in the virtual environment {first} "
            f"({chosen_by}); create it ({create}), point with_virtual_environment at "
            "an existing one, or add .with_pip() or .with_uv() to create it at start"
        )
    looked = " nor ".join(str(p) for p in places)
    raise ConfigurationError(
        f"resource '{resource}': no virtual environment in {looked}; add .with_pip() or "
        f".with_uv() to create and install it at start, create it ({create}), or use "
        ".with_virtual_environment(path)"
    )


def interpreter_version(venv: Path) -> str:
    """The venv's Python version as ``pyvenv.cfg`` records it ('' when there is none): part of
    the install stamp, so a venv recreated with another Python is installed again."""
    try:
        lines = (venv / "pyvenv.cfg").read_text().splitlines()
    except OSError:
        return ""
    for line in lines:
        key, _, value = line.partition("=")
        if key.strip() in ("version", "version_info"):
            return value.strip()
    return ""
