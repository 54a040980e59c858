"""Builders of Python apps: ``with_virtual_environment``, ``with_pip``, ``with_uv``, ``with_reload``.

Like every builder, these only record facts and never raise for a wrong argument: a problem is
recorded at the user's line for ``build()`` to report with the fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

from pyspire.integrations.install_steps import install_step_for, wait_for_step
from pyspire.integrations.python.resources import (
    InstallerKind,
    PythonAppResource,
    PythonInstallerResource,
    UvicornAppResource,
)
from pyspire.model.arguments import Arg
from pyspire.model.builder import ExecutableBuilder


class PythonAppBuilder(ExecutableBuilder):
    """Returned by ``add_python_app`` / ``add_python_module``: an executable builder (replicas,
    env, references, waits, health, commands) that also chooses and prepares the venv."""

    @property
    def python_app(self) -> PythonAppResource:
        resource = self.resource
        assert isinstance(resource, PythonAppResource)  # made by the add_… methods of this package
        return resource

    def with_virtual_environment(self, path: str | Path) -> Self:
        """Run from the venv at ``path`` (relative to apphost.py) instead of discovering
        ``<app_dir>/.venv`` or ``.venv`` beside apphost.py; ``with_pip()``/``with_uv()`` then
        install into it. Call it before them."""
        if self._rejects(
            "with_virtual_environment", Arg("", path, "path", "with_virtual_environment('.venv')")
        ):
            return self
        venv = self.app.resolve_path(path)
        app = self.python_app
        if app.installer is not None and app.installer.venv != venv:
            return self._reject(
                "with_virtual_environment",
                f"comes after with_{app.installer.kind}(), whose installer already targets "
                f"{app.installer.venv}; call with_virtual_environment(...) before with_{app.installer.kind}()",
            )
        app.virtual_environment = venv
        return self

    def with_pip(self) -> Self:
        """Before the app starts, a child ``<app>-install`` creates the venv if missing and runs
        ``pip install -r requirements.txt`` (else ``pip install -e .``); skipped when nothing
        changed since its last successful run."""
        return self._with_installer("pip")

    def with_uv(self) -> Self:
        """Before the app starts, a child ``<app>-install`` runs ``uv sync`` in the app's folder
        (into the chosen venv, through ``UV_PROJECT_ENVIRONMENT``); skipped when nothing changed."""
        return self._with_installer("uv")

    def _with_installer(self, kind: InstallerKind) -> Self:
        app = self.python_app
        if app.installer is not None:
            if app.installer.kind != kind:
                return self._reject(
                    f"with_{kind}",
                    f"the venv {app.target_venv} is already installed with with_{app.installer.kind}() "
                    f"(by {app.installer.name}); use one installer per venv",
                )
            return self
        venv = app.target_venv
        installer = install_step_for(
            self,
            PythonInstallerResource,
            shares=lambda other: other.venv == venv,
            make=lambda name: PythonInstallerResource(name, kind, app.app_dir, venv),
            configure=_configure_installer,
        )
        if installer.kind != kind:
            return self._reject(
                f"with_{kind}",
                f"the venv {venv} is already installed with with_{installer.kind}() by "
                f"{installer.name}; apps sharing a venv use the same installer",
            )
        app.installer = installer
        wait_for_step(self, installer)
        return self


class UvicornAppBuilder(PythonAppBuilder):
    """Returned by ``add_uvicorn_app``: endpoint ``http``, ``--host``/``--port`` from it."""

    def with_reload(self, enabled: bool = True) -> Self:
        """``--reload`` (restart on code changes) in run mode — the default; ``False`` turns it off."""
        if self._rejects("with_reload", Arg("enabled", enabled, "flag", "with_reload(False)")):
            return self
        resource = self.resource
        assert isinstance(resource, UvicornAppResource)
        resource.reload = enabled
        return self


def _configure_installer(installer: PythonInstallerResource, child: ExecutableBuilder) -> None:
    """The installer's command line (and, for uv, the venv it syncs into)."""
    child.with_args(*installer.install_args)
    if installer.kind == "uv":
        child.with_env("UV_PROJECT_ENVIRONMENT", str(installer.venv))
