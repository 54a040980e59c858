"""The Node integration's resources: a script run by node, a package.json script run by npm, pnpm
or yarn (a Vite dev server is one), and the installer that fills ``node_modules`` before them.

Each is an :class:`ExecutableResource`, so it runs as any process does (proxies, replicas,
restarts, logs); what is Node-specific is decided when it starts, through the two hooks the app
host calls then: ``resolve_command`` (the program on ``PATH``, the package.json script) and, for
the installer, ``up_to_date`` (skip when ``node_modules`` matches package.json and the lock file).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pyspire.integrations.install_steps import InstallInputs, InstallStepResource
from pyspire.integrations.node.package_json import PACKAGE_JSON, require_package_json, require_script
from pyspire.integrations.node.package_managers import (
    PACKAGE_MANAGERS,
    PackageManager,
    PackageManagerName,
    detect_package_manager,
    find_program,
)
from pyspire.model.annotations import ArgsCallbackAnnotation, ArgsCallbackContext
from pyspire.model.otlp_exporter import OtlpProtocol
from pyspire.model.resources import ExecutableResource

NODE_HINT = "install Node.js, e.g. `apt-get install nodejs`"

NODE_MODULES = "node_modules"


def install_stamp_path(app_dir: Path) -> Path:
    """Inside ``node_modules``: deleting that folder (the usual "start clean") forgets the stamp
    too. A package without dependencies gets no ``node_modules`` from npm: writing the stamp
    creates the folder."""
    return app_dir / NODE_MODULES / ".pyspire-install-stamp"


class NodeResource(ExecutableResource):
    """What every Node app shares: its folder's package manager (chosen by the user, else by the
    lock file found there when it starts)."""

    resource_type: ClassVar[str] = "NodeApp"
    #: The OpenTelemetry JS SDK's exporters are most often set up over HTTP (the gRPC one needs
    #: native bindings), as in Aspire's JavaScript integration.
    default_otlp_protocol: ClassVar[OtlpProtocol] = "http/protobuf"

    def __init__(self, name: str, command: str, app_dir: Path) -> None:
        super().__init__(name, command, app_dir)
        #: Set by ``with_package_manager``; ``None`` picks by lock file at each start.
        self.package_manager_choice: PackageManagerName | None = None

    def package_manager(self) -> PackageManager:
        if self.package_manager_choice is not None:
            return PACKAGE_MANAGERS[self.package_manager_choice]
        return detect_package_manager(self.working_dir)


class NodeAppResource(NodeResource):
    """``node <script> [args]`` in the app's folder."""

    def __init__(self, name: str, app_dir: Path, script: str) -> None:
        super().__init__(name, "node", app_dir)
        self.script = script

    async def resolve_command(self) -> str:
        return find_program("node", self.name, NODE_HINT)


class NpmAppResource(NodeResource):
    """``npm run <script> -- [args]`` (or ``pnpm run`` / ``yarn run``) in the app's folder."""

    def __init__(self, name: str, app_dir: Path, script: str) -> None:
        super().__init__(name, "npm", app_dir)
        self.script = script
        # First among the arguments, before the user's: decided at each start, because the
        # package manager (and so whether ``--`` is needed) depends on the lock file then.
        self.annotations.append(ArgsCallbackAnnotation(_run_script_args))

    def run_args(self) -> list[object]:
        manager = self.package_manager()
        return ["run", self.script, *(["--"] if manager.separates_script_args else [])]

    async def resolve_command(self) -> str:
        require_script(self.working_dir, self.script, self.name)
        return self.package_manager().program(self.name)


def _run_script_args(ctx: ArgsCallbackContext) -> None:
    assert isinstance(ctx.resource, NpmAppResource)
    ctx.args.extend(ctx.resource.run_args())


class ViteAppResource(NpmAppResource):
    """A Vite dev server: an npm app told its port on the command line (Vite reads no ``PORT``)."""

    resource_type: ClassVar[str] = "ViteApp"


class NodeInstallerResource(InstallStepResource):
    """``npm ci`` / ``npm install`` (or pnpm's, yarn's) in an app's folder, run to completion
    before the apps of that folder start; skipped while ``node_modules`` is up to date: the
    package manager's name, ``package.json`` and the lock file are as they were at the last
    successful install (see :mod:`pyspire.integrations.install_steps`)."""

    resource_type: ClassVar[str] = "NodeInstaller"

    def __init__(self, name: str, owner: NodeResource) -> None:
        super().__init__(name, "npm", owner.working_dir)
        #: The app it was made for: its package manager is the installer's.
        self.owner = owner
        self.annotations.append(ArgsCallbackAnnotation(_install_args))

    def package_manager(self) -> PackageManager:
        return self.owner.package_manager()

    async def resolve_command(self) -> str:
        require_package_json(self.working_dir, self.name)
        return self.package_manager().program(self.name)

    @property
    def stamp_path(self) -> Path:
        return install_stamp_path(self.working_dir)

    def install_inputs(self) -> InstallInputs | None:
        folder = self.working_dir
        if not (folder / PACKAGE_JSON).is_file():
            return None  # nothing to install from (resolve_command says so)
        manager = self.package_manager()
        return InstallInputs((folder / PACKAGE_JSON, folder / manager.lock_file), (manager.name,))

    def unchanged_message(self, inputs: InstallInputs) -> str:
        return f"up to date: {NODE_MODULES} matches {PACKAGE_JSON} and {self.package_manager().lock_file}"


def _install_args(ctx: ArgsCallbackContext) -> None:
    assert isinstance(ctx.resource, NodeInstallerResource)
    ctx.args.extend(ctx.resource.package_manager().install_args(ctx.resource.working_dir))
