"""Python apps: scripts, modules, uvicorn and gunicorn servers, run from their own virtual
environment, with installers (uv, pip) as run-to-completion children.

``PythonBuilderMethods`` gives the app's builder ``add_python_app``, ``add_python_module``,
``add_uvicorn_app`` (see :class:`pyspire.DistributedApplicationBuilder`)."""

from __future__ import annotations

from pyspire.model.builder import AppModelBuilder


class PythonBuilderMethods(AppModelBuilder):
    """The Python integration's methods on the app's builder."""
