"""Python apps: scripts, modules, uvicorn and gunicorn servers, run from their own virtual
environment, with installers (uv, pip) as run-to-completion children.

``PythonBuilderMethods`` gives the app's builder ``add_python_app``, ``add_python_module``,
``add_uvicorn_app`` and ``add_gunicorn_app`` (see :class:`pyspire.DistributedApplicationBuilder`).
Importing this package registers the run-mode policy that makes every Python process of it
unbuffered (``PYTHONUNBUFFERED=1``); :data:`unregister_run_mode_policy` removes it again.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pyspire.extensions import RUN_MODE_POLICIES
from pyspire.integrations.listen_host import LISTEN_HOST
from pyspire.integrations.python.builders import PythonAppBuilder, UvicornAppBuilder
from pyspire.integrations.python.process_env import PYTHON_PROCESS_ENV, python_process_env
from pyspire.integrations.python.resources import (
    GunicornAppResource,
    PythonAppResource,
    PythonInstallerResource,
    UvicornAppResource,
)
from pyspire.model.annotations import ArgsCallbackContext
from pyspire.model.arguments import Arg
from pyspire.model.builder import AppModelBuilder
from pyspire.model.values import expr

__all__ = [
    "PYTHON_PROCESS_ENV",
    "GunicornAppResource",
    "PythonAppBuilder",
    "PythonAppResource",
    "PythonBuilderMethods",
    "PythonInstallerResource",
    "UvicornAppBuilder",
    "UvicornAppResource",
    "python_process_env",
    "unregister_run_mode_policy",
]

B = TypeVar("B", bound=PythonAppBuilder)

#: The default ``--worker-class`` of ``add_gunicorn_app``: gunicorn serving an ASGI app.
UVICORN_WORKER = "uvicorn.workers.UvicornWorker"


class PythonBuilderMethods(AppModelBuilder):
    """The Python integration's methods on the app's builder."""

    def add_python_app(self, name: str, app_dir: str | Path, script: str, *args: object) -> PythonAppBuilder:
        """``python script *args`` in ``app_dir`` (relative to apphost.py), with the interpreter of
        the app's venv: ``with_virtual_environment(path)``, else ``<app_dir>/.venv``, else
        ``.venv`` beside apphost.py (``with_pip()`` / ``with_uv()`` create it)."""
        example = "add_python_app('worker', './worker', 'main.py')"
        builder = self._python_app(
            PythonAppResource,
            PythonAppBuilder,
            "add_python_app",
            name,
            app_dir,
            Arg("script", script, "text", example),
        )
        return builder.with_args(script, *args) if isinstance(script, str) else builder

    def add_python_module(
        self, name: str, app_dir: str | Path, module: str, *args: object
    ) -> PythonAppBuilder:
        """``python -m module *args`` in ``app_dir``, from the app's venv (as ``add_python_app``)."""
        example = "add_python_module('migrate', './api', 'alembic', 'upgrade', 'head')"
        builder = self._python_app(
            PythonAppResource,
            PythonAppBuilder,
            "add_python_module",
            name,
            app_dir,
            Arg("module", module, "text", example),
        )
        return builder.with_args("-m", module, *args) if isinstance(module, str) else builder

    def add_uvicorn_app(self, name: str, app_dir: str | Path, app: str, *args: object) -> UvicornAppBuilder:
        """``python -m uvicorn app --host 127.0.0.1 --port <target port>`` (``app`` is
        ``"pkg.module:app"``) behind endpoint ``http``, each replica on its own port; ``--reload``
        in run mode unless ``.with_reload(False)``. Published, ``--host 0.0.0.0`` (a container)."""
        example = "add_uvicorn_app('api', './api', 'orders_api.main:app')"
        builder = self._python_app(
            UvicornAppResource,
            UvicornAppBuilder,
            "add_uvicorn_app",
            name,
            app_dir,
            Arg("app", app, "text", example),
        )
        builder.with_http_endpoint()
        port = builder.get_endpoint("http").target_port
        builder.with_args("-m", "uvicorn", app, "--host", LISTEN_HOST, "--port", port)
        builder.with_args(_uvicorn_reload)
        return builder.with_args(*args) if args else builder

    def add_gunicorn_app(
        self, name: str, app_dir: str | Path, app: str, *args: object, worker_class: str = UVICORN_WORKER
    ) -> PythonAppBuilder:
        """``python -m gunicorn app --bind 127.0.0.1:<target port> --worker-class worker_class``
        behind endpoint ``http`` (an ASGI app on uvicorn workers by default; pass
        ``worker_class="sync"`` for a WSGI app). Published, it binds ``0.0.0.0`` (a container)."""
        example = "add_gunicorn_app('api', './api', 'orders_api.main:app')"
        builder = self._python_app(
            GunicornAppResource,
            PythonAppBuilder,
            "add_gunicorn_app",
            name,
            app_dir,
            Arg("app", app, "text", example),
        )
        builder.with_http_endpoint()
        bind = expr(LISTEN_HOST, ":", builder.get_endpoint("http").target_port)
        builder.with_args("-m", "gunicorn", app, "--bind", bind, "--worker-class", worker_class)
        return builder.with_args(*args) if args else builder

    def _python_app(
        self,
        kind: type[PythonAppResource],
        builder_class: type[B],
        method: str,
        name: str,
        app_dir: str | Path,
        target: Arg,
    ) -> B:
        example = target.example
        folder = Arg("app_dir", app_dir, "path", example)
        folder_ok = folder.problem() is None
        resource = kind(
            name if isinstance(name, str) else repr(name),
            self.resolve_path(app_dir) if folder_ok else self.app_dir,
            self.app_dir,
        )
        builder = builder_class(self, resource)
        builder._rejects(method, Arg("name", name, "text", example), folder, target, defines_resource=True)
        self.resources.append(resource)
        return builder


def _uvicorn_reload(ctx: ArgsCallbackContext) -> None:
    """``--reload`` in run mode, unless the app turned it off (never in a published manifest)."""
    if ctx.execution.is_run and isinstance(ctx.resource, UvicornAppResource) and ctx.resource.reload:
        ctx.args.append("--reload")


#: Removes the integration's run-mode policy (tests that must see a process without it).
unregister_run_mode_policy = RUN_MODE_POLICIES.register(python_process_env)
