"""The Python integration's resource classes: an app run from its virtual environment, and the
installer child that prepares that environment.

Both are :class:`~pyspire.model.resources.ExecutableResource` subclasses, so the executor runs
them as processes (replicas, endpoints, references, waits, health, commands, logs) without a
handler of their own; what differs is decided in the two hooks it calls at each start:
``resolve_command`` (which interpreter) and, for installers, ``up_to_date`` (whether to run).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import ClassVar, Literal

from pyspire.errors import ConfigurationError
from pyspire.integrations.python.install_stamp import fingerprint, unchanged_reason, write_stamp
from pyspire.integrations.python.venvs import DEFAULT_VENV, discovery_places, find_interpreter
from pyspire.model.resources import ExecutableResource

InstallerKind = Literal["pip", "uv"]

#: The stdlib-only script ``with_pip()`` runs with the app host's interpreter.
PIP_HELPER = Path(__file__).with_name("pip_install.py")


class PythonInstallerResource(ExecutableResource):
    """``<app>-install``: prepares a virtual environment (``uv sync``, or venv + pip) and ends.

    Shared by every app that runs from the same venv; skipped when its inputs are unchanged since
    its last successful run (see :mod:`pyspire.integrations.python.install_stamp`)."""

    resource_type: ClassVar[str] = "PythonInstaller"

    def __init__(self, name: str, kind: InstallerKind, app_dir: Path, venv: Path) -> None:
        super().__init__(name, sys.executable if kind == "pip" else "uv", app_dir)
        self.kind: InstallerKind = kind
        self.app_dir = app_dir
        self.venv = venv
        #: Whether the last start was skipped as up to date (then there is nothing to stamp).
        self.skipped = False

    @property
    def install_args(self) -> tuple[str, ...]:
        """The arguments the installer runs with (also part of its stamp)."""
        if self.kind == "pip":
            return (str(PIP_HELPER), str(self.venv), str(self.app_dir))
        return ("sync",)

    @property
    def stamp_command(self) -> tuple[str, ...]:
        """What the stamp records of the command: switching installer or target runs it again."""
        return (self.kind, *self.install_args)

    async def resolve_command(self) -> str:
        if self.kind == "pip":
            return sys.executable
        return str(find_uv(self.name))

    async def up_to_date(self) -> str | None:
        reason = unchanged_reason(self.app_dir, self.venv, self.stamp_command)
        #: A skipped start ends Finished with exit code 0 too; nothing ran, so nothing to stamp.
        self.skipped = reason is not None
        return reason

    def record_success(self) -> None:
        """Stamp the venv after a run that installed: the next start with the same inputs skips
        this installer (a skipped start leaves the stamp as it is: no hashing again)."""
        if not self.skipped:
            write_stamp(self.venv, fingerprint(self.app_dir, self.venv, self.stamp_command))


def find_uv(resource: str) -> Path:
    """``uv`` on PATH, else beside the app host's interpreter (installed into its venv)."""
    on_path = shutil.which("uv")
    if on_path is not None:
        return Path(on_path)
    beside = Path(sys.executable).parent / "uv"
    if beside.is_file():
        return beside
    raise ConfigurationError(
        f"resource '{resource}': uv is not on PATH nor beside {sys.executable}; install it "
        f"({sys.executable} -m pip install uv), or use .with_pip() instead of .with_uv()"
    )


class PythonAppResource(ExecutableResource):
    """A Python program (a script, a module, a server) run by its virtual environment's
    interpreter, found at each start."""

    resource_type: ClassVar[str] = "PythonApp"

    def __init__(self, name: str, app_dir: Path, apphost_dir: Path) -> None:
        super().__init__(name, "python", app_dir)
        self.app_dir = app_dir
        self.apphost_dir = apphost_dir
        #: Set by ``with_virtual_environment(path)``.
        self.virtual_environment: Path | None = None
        #: Set by ``with_pip()`` / ``with_uv()``: the child that prepares the venv.
        self.installer: PythonInstallerResource | None = None

    @property
    def target_venv(self) -> Path:
        """The venv an installer prepares for this app: the chosen one, else ``<app_dir>/.venv``."""
        return self.virtual_environment or self.app_dir / DEFAULT_VENV

    async def resolve_command(self) -> str:
        if self.installer is not None:
            return str(find_interpreter(self.name, (self.target_venv,), f"prepared by {self.installer.name}"))
        if self.virtual_environment is not None:
            return str(find_interpreter(self.name, (self.virtual_environment,), "with_virtual_environment"))
        return str(find_interpreter(self.name, discovery_places(self.app_dir, self.apphost_dir)))


class UvicornAppResource(PythonAppResource):
    """An ASGI app served by uvicorn (``python -m uvicorn``), one port per replica."""

    resource_type: ClassVar[str] = "UvicornApp"

    def __init__(self, name: str, app_dir: Path, apphost_dir: Path) -> None:
        super().__init__(name, app_dir, apphost_dir)
        #: ``--reload`` in run mode (``with_reload(False)`` turns it off).
        self.reload = True


class GunicornAppResource(PythonAppResource):
    """A WSGI/ASGI app served by gunicorn (``python -m gunicorn``), one port per replica."""

    resource_type: ClassVar[str] = "GunicornApp"
