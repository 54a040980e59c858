"""The ``<app>-install`` child: made with the app, shared by every Node app of the same folder.

Two apps of one folder (a dev server and a worker, say) need ``node_modules`` filled once, not
twice at the same time (two ``npm ci`` in one folder delete each other's files). So the first
app's installer is found in the model by folder and the later apps wait for it too — the install
step every integration shares (:mod:`pyspire.integrations.install_steps`): a child of the app it
was made for, run to completion, stamped after a successful run so the next start can skip it.
"""

from __future__ import annotations

from collections.abc import Callable

from pyspire.integrations.install_steps import find_install_step, install_step_for, wait_for_step, waits_for
from pyspire.integrations.node.resources import NodeInstallerResource, NodeResource
from pyspire.model.builder import ExecutableBuilder


def _same_folder(app: ExecutableBuilder) -> Callable[[NodeInstallerResource], bool]:
    folder = app.resource.working_dir
    return lambda installer: installer.working_dir == folder


def attach_installer(app: ExecutableBuilder) -> None:
    """Make ``app`` wait for its folder's installer, creating it (``<app>-install``) if it is the
    folder's first Node app."""
    owner = app.resource
    assert isinstance(owner, NodeResource)
    installer = install_step_for(
        app,
        NodeInstallerResource,
        shares=_same_folder(app),
        make=lambda name: NodeInstallerResource(name, owner),
    )
    wait_for_step(app, installer)


def detach_installer(app: ExecutableBuilder) -> None:
    """Stop ``app`` waiting for its folder's installer, and drop the installer when no other
    resource waits for it any more."""
    installer = find_install_step(app, NodeInstallerResource, _same_folder(app))
    if installer is None:
        return
    resource = app.resource
    resource.annotations = [a for a in resource.annotations if not waits_for([a], installer)]
    if not any(waits_for(r.annotations, installer) for r in app.app.resources):
        app.app.resources.remove(installer)
