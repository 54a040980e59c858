"""Node apps: a script run with node, a package.json script run with npm, pnpm or yarn, a Vite
dev server; ``npm ci`` / ``install`` as a run-to-completion child when ``node_modules`` is
missing or stale.

``NodeBuilderMethods`` gives the app's builder ``add_node_app``, ``add_npm_app``,
``add_vite_app``."""

from __future__ import annotations

from pyspire.model.builder import AppModelBuilder


class NodeBuilderMethods(AppModelBuilder):
    """The Node integration's methods on the app's builder."""
