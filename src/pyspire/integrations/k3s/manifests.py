"""Manifests of a k3s cluster: ``cluster.add_manifest(name, path)``, applied by kubectl containers.

A kustomize folder (``kustomization.yaml``) is one child: ``kubectl apply --server-side -k``. YAML
or JSON files (a file, or a folder's top-level files) are split on the host before start into
CRDs and the rest (:mod:`~pyspire.integrations.k3s.manifest_args`), then applied in three
run-to-completion kubectl containers, each waiting for the completion of the one before — no
shell, no script, each step's argv a list and its output in its own log:

- ``<name>-crds`` (hidden): ``kubectl apply --server-side -f /manifests/crds``;
- ``<name>-crds-established`` (hidden): ``kubectl wait --for=condition=Established crd/<names>``;
- ``<name>``: ``kubectl apply --server-side -f /manifests/rest``, what the user sees.

A step with nothing to do (no CRDs, nothing but CRDs) ends Finished at once with that reason. A
failing step fails itself with kubectl's message; ``<name>`` then cannot start and says which
step failed. A path that is not there, or holds no manifests or no valid YAML, is a problem
``build()`` reports before anything starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal, Self

from pyspire.errors import ConfigurationError
from pyspire.integrations.k3s.manifest_args import (
    MANIFEST_MOUNT,
    apply_argv,
    is_kustomization,
    manifest_files,
    read_crd_names,
    read_split,
    wait_crds_argv,
    write_split,
)
from pyspire.integrations.k3s.paths import ClusterPaths
from pyspire.model import ContainerBuilder
from pyspire.model.annotations import ArgsCallbackContext
from pyspire.model.arguments import Arg
from pyspire.model.containers import ContainerImageAnnotation
from pyspire.model.events import BeforeResourceStart
from pyspire.model.resources import ContainerResource

DEFAULT_IMAGE = "docker.io/alpine/kubectl"
DEFAULT_TAG = "1.36.0"
CRDS_SUFFIX = "-crds"
ESTABLISHED_SUFFIX = "-crds-established"
_EXAMPLE = "add_manifest('widgets', './k8s/widgets')"

Step = Literal["crds", "established", "rest", "kustomize"]


class ManifestStepResource(ContainerResource):
    """One kubectl step of a manifest: which step, the user's path and the split folder."""

    resource_type: ClassVar[str] = "Manifest"

    def __init__(
        self, name: str, image: ContainerImageAnnotation, step: Step, source: Path, folder: Path
    ) -> None:
        super().__init__(name, image)
        self.step: Step = step
        #: The user's file or folder.
        self.source = source
        #: ``<cluster root>/manifests/<name>/``: ``crds/``, ``rest/`` and the CRD names.
        self.folder = folder

    async def up_to_date(self) -> str | None:
        """A step with nothing to apply or wait for ends at once (kubectl refuses an empty ``-f``)."""
        if self.step in ("crds", "established") and not read_crd_names(self.folder):
            return "no CustomResourceDefinitions to apply or wait for"
        rest = self.folder / "rest"
        if self.step == "rest" and not (rest.is_dir() and any(rest.iterdir())):
            return "nothing but CustomResourceDefinitions, applied before"
        return None


def kubectl_args(ctx: ArgsCallbackContext) -> None:
    """The step's argv, at start (the wait step names the CRDs found by the split)."""
    step = ctx.resource
    assert isinstance(step, ManifestStepResource)
    if step.step == "kustomize":
        ctx.args.extend(apply_argv(MANIFEST_MOUNT, kustomize=True))
    elif step.step == "established":
        ctx.args.extend(wait_crds_argv(read_crd_names(step.folder)))
    else:
        ctx.args.extend(apply_argv(f"{MANIFEST_MOUNT}/{step.step}"))


def split_before_start(event: BeforeResourceStart) -> None:
    """The first step splits the manifests as they are now; the later steps mount the result."""
    step = event.resource
    assert isinstance(step, ManifestStepResource)
    if not step.source.exists():
        raise ConfigurationError(
            f"{step.name}: manifest path {str(step.source)!r} does not exist (any more); fix the path"
        )
    write_split(step.source, step.folder)


def path_problem(path: Path) -> str | None:
    """Why ``path`` cannot be applied, checked before anything starts (``None``: it can)."""
    if not path.exists():
        return f"{str(path)!r} does not exist; give a YAML/JSON file, a folder of them or a kustomize folder"
    if is_kustomization(path):
        return None
    if not manifest_files(path):
        return (
            f"{str(path)!r} holds no .yaml, .yml or .json files (nor a kustomization.yaml); add the manifests"
        )
    try:
        read_split(path)
    except ConfigurationError as exc:
        return str(exc)
    except OSError as exc:
        return f"{str(path)!r} cannot be read ({exc}); fix its permissions"
    return None


class ManifestBuilder(ContainerBuilder):
    """What ``add_manifest`` returns: the visible kubectl step's builder (``with_image``…); an
    image set here is used by its hidden steps too."""

    resource: ManifestStepResource

    #: The hidden steps before it (empty for kustomize), kept in step with its image.
    steps: tuple[ContainerBuilder, ...] = ()

    def with_image(self, image: str, tag: str | None = None) -> Self:
        for step in self.steps:
            step.with_image(image, tag)
        return super().with_image(image, tag)

    def with_image_tag(self, tag: str) -> Self:
        for step in self.steps:
            step.with_image_tag(tag)
        return super().with_image_tag(tag)


class ManifestMethods(ContainerBuilder):
    """``add_manifest`` on the cluster's builder (a mixin of ``K3sClusterBuilder``)."""

    @property
    def paths(self) -> ClusterPaths:
        """The cluster's files on the host (``K3sClusterBuilder`` gives them)."""
        raise NotImplementedError

    def add_manifest(self, name: str, path: str | Path) -> ManifestBuilder:
        """Apply the manifests at ``path`` (relative to the app host): a YAML/JSON file, a folder of
        them (CRDs applied and Established first) or a kustomize folder, server-side with field
        manager ``pyspire``."""
        source = self.app.resolve_path(path) if isinstance(path, str | Path) else self.app.resolve_path(".")
        folder = self.paths.root / "manifests" / str(name)
        kustomize = is_kustomization(source)
        visible = self._kubectl_step(
            str(name), "kustomize" if kustomize else "rest", source, folder, ManifestBuilder
        )
        assert isinstance(visible, ManifestBuilder)
        visible.with_parent(self)
        if visible._rejects(
            "add_manifest",
            Arg("name", name, "text", _EXAMPLE),
            Arg("path", path, "path", _EXAMPLE),
            defines_resource=True,
        ):
            return visible
        problem = path_problem(source)
        if problem is not None:
            return visible._reject("add_manifest path", problem)
        if kustomize:
            return visible.with_bind_mount(source, MANIFEST_MOUNT, read_only=True)
        crds = self._kubectl_step(f"{name}{CRDS_SUFFIX}", "crds", source, folder, ContainerBuilder)
        established = self._kubectl_step(
            f"{name}{ESTABLISHED_SUFFIX}", "established", source, folder, ContainerBuilder
        )
        crds.on_before_start(split_before_start)
        established.wait_for_completion(crds)
        visible.wait_for_completion(established)
        for step in (crds, established):
            step.with_parent(visible).hidden()
        for step in (crds, established, visible):  # created before each start, filled by the split
            step.with_bind_mount(folder, MANIFEST_MOUNT, read_only=True, create=True)
        visible.steps = (crds, established)
        return visible

    def _kubectl_step(
        self, name: str, step: Step, source: Path, folder: Path, kind: type[ContainerBuilder]
    ) -> ContainerBuilder:
        """A kubectl container of this cluster: its kubeconfig and network, after it is healthy."""
        resource = ManifestStepResource(
            name, ContainerImageAnnotation(DEFAULT_IMAGE, DEFAULT_TAG), step, source, folder
        )
        builder = kind(self.app, resource)
        self.app.resources.append(resource)
        return builder.with_entrypoint("kubectl").with_args(kubectl_args).with_reference(self).wait_for(self)


__all__ = ["ManifestBuilder", "ManifestMethods", "ManifestStepResource"]
