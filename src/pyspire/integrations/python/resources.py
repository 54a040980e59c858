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
from pyspire.integrations.install_steps import InstallInputs, InstallStepResource
from pyspire.integrations.python.venvs import (
    DEFAULT_VENV,
    discovery_places,
    find_interpreter,
    interpreter_version,
)
from pyspire.model.resources import ExecutableResource

InstallerKind = Literal["pip", "uv"]

#: The stdlib-only script ``with_pip()`` runs with the app host's interpreter.
PIP_HELPER = Path(__file__).with_name("pip_install.py")

#: The files of the app's folder whose contents decide what an installer installs.
INPUT_PATTERNS = ("requirements*.txt", "pyproject.toml", "uv.lock", "setup.cfg", "setup.py")

#: In the venv: recreating the venv (the usual "start clean") forgets the stamp too.
STAMP_NAME = ".pyspire-install.json"


def input_files(app_dir: Path) -> tuple[Path, ...]:
    """The dependency files present in ``app_dir``, in a stable order."""
    found = {path for pattern in INPUT_PATTERNS for path in app_dir.glob(pattern) if path.is_file()}
    return tuple(sorted(found))


class PythonInstallerResource(InstallStepResource):
    """``<app>-install``: prepares a virtual environment (``uv sync``, or venv + pip) and ends.

    Shared by every app that runs from the same venv; skipped while its inputs — the dependency
    files of the app's folder, the venv's interpreter version (``pyvenv.cfg``) and the installer's
    command — are unchanged since its last successful run (see
    :mod:`pyspire.integrations.install_steps`). So editing ``requirements.txt``, recreating the
    venv with another Python, or switching from pip to uv runs it again."""

    resource_type: ClassVar[str] = "PythonInstaller"

    def __init__(self, name: str, kind: InstallerKind, app_dir: Path, venv: Path) -> None:
        super().__init__(name, sys.executable if kind == "pip" else "uv", app_dir)
        self.kind: InstallerKind = kind
        self.app_dir = app_dir
        self.venv = venv

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

    @property
    def stamp_path(self) -> Path:
        return self.venv / STAMP_NAME

    def install_inputs(self) -> InstallInputs | None:
        if not self.venv.is_dir():
            return None  # no venv (yet): nothing to stamp
        extras = ("python", interpreter_version(self.venv), *self.stamp_command)
        return InstallInputs(input_files(self.app_dir), extras)

    def unchanged_message(self, inputs: InstallInputs) -> str:
        names = ", ".join(p.name for p in inputs.files) or "no dependency files"
        return f"up to date: {names} unchanged since the last install into {self.venv}"


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
