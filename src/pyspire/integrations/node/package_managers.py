"""npm, pnpm and yarn: how each runs a package.json script and installs, and which one a folder uses.

One table instead of a switch in every caller: a folder's lock file names its package manager
(the file a teammate's ``pnpm install`` left behind is the strongest hint there is), and the
user's ``with_package_manager`` overrides the guess. Only the program itself is looked up on
``PATH``, when the resource starts, so an app host built on one machine still describes the app.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pyspire.errors import ConfigurationError

PackageManagerName = Literal["npm", "pnpm", "yarn"]


@dataclass(frozen=True)
class PackageManager:
    """One package manager: its program, its lock file and its commands."""

    name: PackageManagerName
    lock_file: str
    #: The install command when the lock file exists (installs exactly what it pins).
    locked_install: tuple[str, ...]
    #: The install command without a lock file (resolves versions and writes one).
    unlocked_install: tuple[str, ...]
    #: Whether ``run <script>`` needs ``--`` before arguments meant for the script. npm does;
    #: pnpm and yarn forward everything after the script's name (and pnpm would hand ``--`` itself
    #: to the script, which Vite's parser then treats as the end of its options).
    separates_script_args: bool
    #: How to get the program, for the message when it is missing.
    install_hint: str

    def install_args(self, app_dir: Path) -> tuple[str, ...]:
        """The install command for ``app_dir``, as it is now (with or without its lock file)."""
        return self.locked_install if (app_dir / self.lock_file).is_file() else self.unlocked_install

    def program(self, resource: str) -> str:
        """The program's path on ``PATH``; the error that fails only ``resource`` otherwise."""
        return find_program(self.name, resource, self.install_hint)


PACKAGE_MANAGERS: dict[PackageManagerName, PackageManager] = {
    "npm": PackageManager(
        "npm",
        "package-lock.json",
        ("ci",),
        ("install",),
        separates_script_args=True,
        install_hint="install Node.js (npm comes with it), e.g. `apt-get install nodejs npm`",
    ),
    "pnpm": PackageManager(
        "pnpm",
        "pnpm-lock.yaml",
        ("install", "--frozen-lockfile"),
        ("install",),
        separates_script_args=False,
        install_hint="run `corepack enable pnpm` or `npm install -g pnpm`",
    ),
    "yarn": PackageManager(
        "yarn",
        "yarn.lock",
        ("install", "--frozen-lockfile"),
        ("install",),
        separates_script_args=False,
        install_hint="run `corepack enable yarn` or `npm install -g yarn`",
    ),
}

#: The order lock files are looked for in (the first found wins); no lock file means npm.
_DETECTION_ORDER: tuple[PackageManagerName, ...] = ("npm", "pnpm", "yarn")


def detect_package_manager(app_dir: Path) -> PackageManager:
    """The package manager whose lock file is in ``app_dir``; npm when there is none."""
    for name in _DETECTION_ORDER:
        manager = PACKAGE_MANAGERS[name]
        if (app_dir / manager.lock_file).is_file():
            return manager
    return PACKAGE_MANAGERS["npm"]


def find_program(program: str, resource: str, install_hint: str) -> str:
    """``program``'s full path on ``PATH``, or a :class:`ConfigurationError` naming the fix."""
    found = shutil.which(program)
    if found is None:
        raise ConfigurationError(
            f"resource '{resource}': '{program}' is not on PATH; {install_hint}, "
            "or put its folder on PATH before starting the app host"
        )
    return found
