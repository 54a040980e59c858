"""The ``<app>-install`` child: made with the app, shared by every Node app of the same folder.

Two apps of one folder (a dev server and a worker, say) need ``node_modules`` filled once, not
twice at the same time (two ``npm ci`` in one folder delete each other's files). So the first
app's installer is found in the model by folder and the later apps wait for it too. The installer
is a child of the app it was made for (``with_parent``) and runs to completion; the apps
``wait_for_completion`` it. After it finishes with exit code 0 a ``ResourceStopped`` subscriber
writes the install stamp that lets the next start skip it.
"""

from __future__ import annotations

from pyspire.extensions import ResourceState, ResourceStopped
from pyspire.integrations.node.install_stamp import write_stamp
from pyspire.integrations.node.resources import NodeInstallerResource, NodeResource
from pyspire.model.annotation import Annotation
from pyspire.model.builder import ExecutableBuilder
from pyspire.model.lifecycle import WaitAnnotation

INSTALLER_SUFFIX = "-install"


def _installer_of_folder(app: ExecutableBuilder) -> NodeInstallerResource | None:
    folder = app.resource.working_dir
    return next(
        (r for r in app.app.resources if isinstance(r, NodeInstallerResource) and r.working_dir == folder),
        None,
    )


def _write_stamp_after_success(event: ResourceStopped) -> None:
    installer = event.resource
    assert isinstance(installer, NodeInstallerResource)
    if event.state == ResourceState.FINISHED and event.exit_code == 0 and not installer.skipped:
        write_stamp(installer.working_dir, installer.package_manager())


def attach_installer(app: ExecutableBuilder) -> None:
    """Make ``app`` wait for its folder's installer, creating it (``<app>-install``) if it is the
    folder's first Node app."""
    owner = app.resource
    assert isinstance(owner, NodeResource)
    installer = _installer_of_folder(app)
    if installer is None:
        installer = NodeInstallerResource(owner.name + INSTALLER_SUFFIX, owner)
        builder = ExecutableBuilder(app.app, installer)
        builder.with_parent(owner)
        builder.on_stopped(_write_stamp_after_success)
        app.app.resources.append(installer)
    if not _waits_for(owner.annotations, installer):
        app.wait_for_completion(installer)


def detach_installer(app: ExecutableBuilder) -> None:
    """Stop ``app`` waiting for its folder's installer, and drop the installer when no other
    resource waits for it any more."""
    installer = _installer_of_folder(app)
    if installer is None:
        return
    resource = app.resource
    resource.annotations = [a for a in resource.annotations if not _waits_for([a], installer)]
    if not any(_waits_for(r.annotations, installer) for r in app.app.resources):
        app.app.resources.remove(installer)


def _waits_for(annotations: list[Annotation], installer: NodeInstallerResource) -> bool:
    return any(isinstance(a, WaitAnnotation) and a.target is installer for a in annotations)
