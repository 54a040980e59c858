"""The install stamp: what ``node_modules`` was installed from, so an unchanged app skips the install.

After a successful install the installer writes ``node_modules/.pyspire-install-stamp``: a hash of
the package manager's name, ``package.json`` and the lock file as they were then. At the next
start the install is skipped while the hash of the current files is the same. Keeping the stamp
inside ``node_modules`` means deleting that folder (the usual "start clean") also forgets the
stamp, and a checkout with a changed lock file reinstalls.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pyspire.extensions import write_atomic
from pyspire.integrations.node.package_json import PACKAGE_JSON
from pyspire.integrations.node.package_managers import PackageManager

NODE_MODULES = "node_modules"
STAMP = ".pyspire-install-stamp"


def stamp_path(app_dir: Path) -> Path:
    return app_dir / NODE_MODULES / STAMP


def install_inputs_hash(app_dir: Path, manager: PackageManager) -> str:
    """The hash of what an install depends on: the manager, package.json and the lock file."""
    digest = hashlib.sha256(manager.name.encode())
    for name in (PACKAGE_JSON, manager.lock_file):
        path = app_dir / name
        digest.update(b"\0" + name.encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"(missing)")
    return digest.hexdigest()


def why_up_to_date(app_dir: Path, manager: PackageManager) -> str | None:
    """A reason to skip the install (``node_modules`` matches the files), or ``None`` to run it."""
    stamp = stamp_path(app_dir)
    if not (app_dir / PACKAGE_JSON).is_file() or not stamp.is_file():
        return None
    try:
        recorded = stamp.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if recorded != install_inputs_hash(app_dir, manager):
        return None
    return f"up to date: {NODE_MODULES} matches {PACKAGE_JSON} and {manager.lock_file}"


def write_stamp(app_dir: Path, manager: PackageManager) -> None:
    """Record that ``node_modules`` now matches the files (a package without dependencies gets
    no ``node_modules`` from npm: the folder is created to hold the stamp)."""
    stamp = stamp_path(app_dir)
    stamp.parent.mkdir(exist_ok=True)
    write_atomic(stamp, install_inputs_hash(app_dir, manager) + "\n")  # a crash leaves no half stamp
