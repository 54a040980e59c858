"""The builders ``add_node_app``, ``add_npm_app`` and ``add_vite_app`` return.

They are :class:`ExecutableBuilder` s (endpoints, references, waits, replicas… all work) with two
Node settings: which package manager runs scripts and installs, and whether the ``<app>-install``
child runs before the app.
"""

from __future__ import annotations

from typing import Self, get_args

from pyspire.integrations.node.installers import attach_installer, detach_installer
from pyspire.integrations.node.package_managers import PackageManagerName
from pyspire.integrations.node.resources import NodeResource
from pyspire.model.arguments import Arg, shown
from pyspire.model.builder import ExecutableBuilder

_MANAGERS: tuple[str, ...] = get_args(PackageManagerName)


class NodeAppBuilder(ExecutableBuilder):
    """Builder of a Node app (a node script, a package.json script, a Vite dev server)."""

    def with_package_manager(self, name: PackageManagerName) -> Self:
        """Run scripts and installs with ``name`` (``"npm"``, ``"pnpm"`` or ``"yarn"``) instead of
        the one the folder's lock file names (npm when there is none)."""
        example = "with_package_manager('pnpm')"
        if self._rejects("with_package_manager", Arg("", name, "text", example)):
            return self
        if name not in _MANAGERS:
            return self._reject(
                "with_package_manager",
                f"{shown(name)} is not a package manager pyspire knows; pass one of "
                f"{', '.join(map(repr, _MANAGERS))}, e.g. {example}",
            )
        resource = self.resource
        assert isinstance(resource, NodeResource)
        resource.package_manager_choice = name
        return self

    def with_install(self, install: bool = True) -> Self:
        """Run ``<app>-install`` (``npm ci``, or ``npm install`` without a lock file) before the
        app, skipped while ``node_modules`` is up to date — the default. ``False``: never
        install; the app starts with the ``node_modules`` it finds."""
        if self._rejects("with_install", Arg("", install, "flag", "with_install(False)")):
            return self
        if install:
            attach_installer(self)
        else:
            detach_installer(self)
        return self
