"""Node apps: a script run with node, a package.json script run with npm, pnpm or yarn, a Vite
dev server; ``npm ci`` / ``install`` as a run-to-completion child when ``node_modules`` is
missing or stale.

``NodeBuilderMethods`` gives the app's builder ``add_node_app``, ``add_npm_app``,
``add_vite_app``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pyspire.integrations.listen_host import LISTEN_HOST, RUN_HOST
from pyspire.integrations.node import run_mode as _run_mode  # noqa: F401 - registers NODE_ENV's policy
from pyspire.integrations.node.builders import NodeAppBuilder
from pyspire.integrations.node.package_json import PACKAGE_JSON
from pyspire.integrations.node.package_managers import PACKAGE_MANAGERS, PackageManager, PackageManagerName
from pyspire.integrations.node.resources import (
    NodeAppResource,
    NodeInstallerResource,
    NodeResource,
    NpmAppResource,
    ViteAppResource,
)
from pyspire.model.arguments import Arg
from pyspire.model.builder import AppModelBuilder

__all__ = [
    "PACKAGE_MANAGERS",
    "NodeAppBuilder",
    "NodeAppResource",
    "NodeBuilderMethods",
    "NodeInstallerResource",
    "NodeResource",
    "NpmAppResource",
    "PackageManager",
    "PackageManagerName",
    "ViteAppResource",
]

#: Where a Vite dev server listens when run: the address the endpoint's proxy forwards to.
VITE_HOST = RUN_HOST


class NodeBuilderMethods(AppModelBuilder):
    """The Node integration's methods on the app's builder."""

    def add_node_app(self, name: str, app_dir: str | Path, script: str, *args: object) -> NodeAppBuilder:
        """``node <script> [args]`` in ``app_dir`` (relative to the app host). When the folder has
        a package.json, ``<name>-install`` fills ``node_modules`` first (``with_install(False)``
        turns that off)."""
        example = f"add_node_app({name!r}, './frontend', 'server.js')"
        app = self._add_node_resource("add_node_app", NodeAppResource, name, app_dir, script, example)
        app._args("add_node_app", (script, *args))
        if (app.resource.working_dir / PACKAGE_JSON).is_file():
            app.with_install()
        return app

    def add_npm_app(
        self, name: str, app_dir: str | Path, script: str = "dev", *args: object
    ) -> NodeAppBuilder:
        """``npm run <script> -- [args]`` in ``app_dir`` — or ``pnpm run`` / ``yarn run``, chosen by
        the lock file there (none: npm) or by ``with_package_manager``; ``<name>-install`` runs
        first. Give it an endpoint as any process: ``.with_http_endpoint(env="PORT")``."""
        example = f"add_npm_app({name!r}, './frontend', script='start')"
        app = self._add_node_resource("add_npm_app", NpmAppResource, name, app_dir, script, example)
        if args:
            app._args("add_npm_app", args)
        return app.with_install()

    def add_vite_app(self, name: str, app_dir: str | Path, script: str = "dev") -> NodeAppBuilder:
        """A Vite dev server: the npm app ``script`` with an ``http`` endpoint whose port is passed
        the way Vite takes it (``-- --port <port> --strictPort --host 127.0.0.1``), each replica
        its own; clients use the endpoint's proxy."""
        example = f"add_vite_app({name!r}, './web')"
        app = self._add_node_resource("add_vite_app", ViteAppResource, name, app_dir, script, example)
        app.with_http_endpoint()
        port = app.get_endpoint("http").target_port
        # VITE_HOST when run, 0.0.0.0 when published (a container)
        return app.with_args("--port", port, "--strictPort", "--host", LISTEN_HOST).with_install()

    def _add_node_resource(
        self,
        method: str,
        kind: Callable[[str, Path, str], NodeResource],
        name: str,
        app_dir: str | Path,
        script: str,
        example: str,
    ) -> NodeAppBuilder:
        """The resource and its builder, with every wrong argument recorded for ``build()``."""
        folder_arg = Arg("app_dir", app_dir, "path", example)
        folder = self.resolve_path(app_dir) if folder_arg.problem() is None else self.app_dir
        app = NodeAppBuilder(self, kind(str(name), folder, str(script)))
        app._rejects(
            method,
            Arg("name", name, "text", example),
            folder_arg,
            Arg("script", script, "text", example),
            defines_resource=True,
        )
        self.add_resource(app)
        return app
