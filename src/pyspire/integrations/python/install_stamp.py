"""Whether an installer would change anything: a stamp in the venv holding a hash of its inputs.

The inputs are what decides what gets installed — the dependency files of the app's folder, the
venv's interpreter version (``pyvenv.cfg``), and the installer's command — so editing
``requirements.txt``, recreating the venv with another Python, or switching from pip to uv runs
the installer again, and a start with none of that changed skips it. The stamp is written after a
successful run only; a failed install leaves the previous stamp (or none), so it runs again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from pyspire.extensions import write_atomic

#: The files of the app's folder whose contents decide what an installer installs.
INPUT_PATTERNS = ("requirements*.txt", "pyproject.toml", "uv.lock", "setup.cfg", "setup.py")

STAMP_NAME = ".pyspire-install.json"


def input_files(app_dir: Path) -> list[Path]:
    """The dependency files present in ``app_dir``, in a stable order."""
    found = {path for pattern in INPUT_PATTERNS for path in app_dir.glob(pattern) if path.is_file()}
    return sorted(found)


def interpreter_version(venv: Path) -> str:
    """The venv's Python version as ``pyvenv.cfg`` records it ('' when there is no venv)."""
    try:
        lines = (venv / "pyvenv.cfg").read_text().splitlines()
    except OSError:
        return ""
    for line in lines:
        key, _, value = line.partition("=")
        if key.strip() in ("version", "version_info"):
            return value.strip()
    return ""


def fingerprint(app_dir: Path, venv: Path, command: Sequence[str]) -> str:
    """The hash of everything that decides the install's outcome."""
    digest = hashlib.sha256()
    for path in input_files(app_dir):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(b"python\0" + interpreter_version(venv).encode() + b"\0")
    digest.update("\0".join(command).encode())
    return digest.hexdigest()


def stamp_path(venv: Path) -> Path:
    return venv / STAMP_NAME


def read_stamp(venv: Path) -> str | None:
    """The fingerprint of the last successful install into ``venv``, if any."""
    try:
        recorded = json.loads(stamp_path(venv).read_text())
    except (OSError, ValueError):
        return None
    value = recorded.get("inputs") if isinstance(recorded, dict) else None
    return value if isinstance(value, str) else None


def write_stamp(venv: Path, inputs: str) -> None:
    """Record a successful install (no-op when the venv does not exist: nothing to stamp)."""
    if venv.is_dir():
        write_atomic(stamp_path(venv), json.dumps({"inputs": inputs}) + "\n")


def unchanged_reason(app_dir: Path, venv: Path, command: Sequence[str]) -> str | None:
    """Why running the installer again would change nothing, or ``None`` when it must run."""
    recorded = read_stamp(venv)
    if recorded is None or recorded != fingerprint(app_dir, venv, command):
        return None
    names = ", ".join(p.name for p in input_files(app_dir)) or "no dependency files"
    return f"up to date: {names} unchanged since the last install into {venv}"
