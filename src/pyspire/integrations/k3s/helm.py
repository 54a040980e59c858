"""Helm releases of a k3s cluster: ``cluster.add_helm_release(...)``, a run-to-completion child.

The child is a Helm container (default ``docker.io/alpine/helm``) whose argv is
``helm upgrade --install … --wait --timeout <t>`` as a list (never a shell string); values reach it
as files in one read-only folder mounted at ``/values`` (the generated ``with_values`` document
last), a local chart folder or ``.tgz`` is mounted read-only under ``/charts``. It references the
cluster (the container kubeconfig and the network that reaches ``https://<cluster>:6443``) and
waits for it to be healthy; a failing chart fails this child only, Helm's message in its log.

An unchanged release is not reinstalled: the child is a :class:`StampedStep` whose inputs are the
release checksum (chart content or reference and version, values, values files, argv, image); a
start whose checksum matches the stamp of the last successful install *and* whose release the
cluster's API still shows deployed ends Finished at once, "unchanged, not reinstalled".
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any, ClassVar, Self

from pyspire.integrations.install_steps import InstallInputs, StampedStep, stamp_after_success
from pyspire.integrations.k3s.client import cluster_client
from pyspire.integrations.k3s.helm_args import (
    CHARTS_MOUNT,
    VALUES_MOUNT,
    HelmRelease,
    chart_mount,
    chart_problem,
    check_paths,
    release_checksum,
    release_folder,
    upgrade_argv,
    values_file_problem,
    values_folder,
    write_values,
)
from pyspire.integrations.k3s.paths import ClusterPaths
from pyspire.integrations.k3s.release_probe import GetJson, release_deployed
from pyspire.model import ContainerBuilder
from pyspire.model.annotations import ArgsCallbackContext
from pyspire.model.arguments import Arg, shown
from pyspire.model.containers import ContainerImageAnnotation
from pyspire.model.events import BeforeResourceStart
from pyspire.model.resources import ContainerResource

DEFAULT_IMAGE = "docker.io/alpine/helm"
DEFAULT_TAG = "3.17.3"
#: A Go duration, as ``helm --timeout`` takes it: ``90s``, ``10m``, ``1h30m``.
_DURATION = re.compile(r"^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$")
_EXAMPLE = "add_helm_release('web', './charts/web')"
#: The deployed-release list call (one Secret at most): well above a healthy API's answer time.
PROBE_TIMEOUT = 5.0


class HelmReleaseResource(StampedStep, ContainerResource):
    """One Helm release of a cluster, run to completion in a Helm container."""

    resource_type: ClassVar[str] = "HelmRelease"

    def __init__(
        self, name: str, image: ContainerImageAnnotation, release: HelmRelease, folder: Path
    ) -> None:
        super().__init__(name, image)
        #: What was declared; replaced (it is frozen) by each ``with_values``… call.
        self.release = release
        #: ``<cluster root>/helm/<release>/``: the mounted values folder and the stamp.
        self.folder = folder
        #: How the API is asked whether the release is still deployed (set by the cluster).
        self.get_json: GetJson | None = None

    @property
    def stamp_path(self) -> Path:
        return self.folder / "stamp.json"

    def install_inputs(self) -> InstallInputs | None:
        try:
            checksum = release_checksum(self.release)
        except OSError:  # a chart or values file gone: run, and let the start say what is missing
            return None
        return InstallInputs((), ("helm-release", checksum, self.image.reference))

    def unchanged_message(self, inputs: InstallInputs) -> str:
        release = self.release
        return (
            f"unchanged, not reinstalled: release {release.name!r} in namespace {release.namespace!r} "
            "is deployed with this chart and these values"
        )

    async def still_in_place(self) -> bool:
        return self.get_json is not None and await release_deployed(self.get_json, self.release)


class HelmReleaseBuilder(ContainerBuilder):
    """What ``add_helm_release`` returns: a container builder (``with_image``, ``with_image_tag``…)
    plus the release's values, values files and timeout."""

    resource: HelmReleaseResource

    def _update(self, **changes: Any) -> Self:
        self.resource.release = dataclasses.replace(self.resource.release, **changes)
        return self

    def with_values(self, values: dict[str, Any]) -> Self:
        """Values merged over those given before (nested dicts merge key by key; a later value
        wins), written as one JSON file passed last with ``-f``: it wins over values files."""
        if not isinstance(values, dict):
            return self._reject(
                "with_values", f"{shown(values)} is not a dict; pass e.g. with_values({{'replicaCount': 2}})"
            )
        return self._update(values=merge_values(dict(self.resource.release.values), values))

    def with_values_file(self, path: str | Path) -> Self:
        """A values file (relative to the app host), passed with ``-f`` in call order."""
        if self._rejects("with_values_file", Arg("", path, "path", "with_values_file('./values.yaml')")):
            return self
        resolved = self.app.resolve_path(path)
        problem = values_file_problem(resolved)
        if problem is not None:
            return self._reject("with_values_file", problem)
        return self._update(values_files=(*self.resource.release.values_files, resolved))

    def with_timeout(self, timeout: str | float) -> Self:
        """How long ``helm --wait`` waits for the release's resources (default ``10m``): a Go
        duration (``"90s"``, ``"5m"``) or seconds."""
        if isinstance(timeout, int | float) and not isinstance(timeout, bool) and timeout > 0:
            return self._update(timeout=f"{int(timeout)}s" if timeout == int(timeout) else f"{timeout}s")
        if isinstance(timeout, str) and _DURATION.match(timeout):
            return self._update(timeout=timeout)
        return self._reject(
            "with_timeout", f"{shown(timeout)} is not a duration; pass e.g. with_timeout('5m') or 300"
        )


def _is_local(release: HelmRelease, chart: object, resolved: Path) -> bool:
    """A chart on the host: a ``Path``, a path-looking string (absolute, ``./…``, ``….tgz``), or a
    bare ``charts/web`` that exists beside the app host (else ``repo/chart`` of a Helm repo)."""
    if release.repo is not None or release.chart.startswith("oci://"):
        return False
    return isinstance(chart, Path) or release.local_chart is not None or resolved.exists()


def merge_values(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``extra`` over ``base``: dicts on both sides merge recursively, anything else is replaced."""
    merged = dict(base)
    for key, value in extra.items():
        old = merged.get(key)
        merged[key] = merge_values(old, value) if isinstance(old, dict) and isinstance(value, dict) else value
    return merged


def helm_args(ctx: ArgsCallbackContext) -> None:
    """The argv, built at start from the release as it is declared by then."""
    assert isinstance(ctx.resource, HelmReleaseResource)
    ctx.args.extend(upgrade_argv(ctx.resource.release))


def prepare_release(event: BeforeResourceStart) -> None:
    """Before the container: the paths are still there, and the values folder is filled."""
    resource = event.resource
    assert isinstance(resource, HelmReleaseResource)
    check_paths(resource.name, resource.release)
    write_values(resource.folder, resource.release)


class HelmReleaseMethods(ContainerBuilder):
    """``add_helm_release`` on the cluster's builder (a mixin of ``K3sClusterBuilder``, which
    gives ``paths``)."""

    @property
    def paths(self) -> ClusterPaths:
        """The cluster's files on the host (``K3sClusterBuilder`` gives them)."""
        raise NotImplementedError

    def release_api(self) -> GetJson:
        """How a release child asks the cluster's API whether it is still deployed: through the
        cluster's one client (made by its health check; the child waits for the cluster)."""
        paths = self.paths

        async def get_json(path: str) -> Any:
            return await cluster_client(paths).get_json(path, timeout=PROBE_TIMEOUT)

        return get_json

    def add_helm_release(
        self,
        name: str,
        chart: str | Path,
        repo: str | None = None,
        version: str | None = None,
        namespace: str = "default",
    ) -> HelmReleaseBuilder:
        """A child that installs or upgrades release ``name`` from ``chart``: a local chart folder
        or ``.tgz`` (a ``Path``, or a string that is absolute, ``./…``, ``….tgz`` or names a folder
        beside the app host; relative to it), a chart of ``repo``, or an ``oci://`` reference;
        ``version`` pins a repository chart."""
        problems = (
            Arg("name", name, "text", _EXAMPLE),
            Arg("chart", chart, "path", _EXAMPLE),
            Arg("repo", repo, "text", "repo='https://charts.bitnami.com/bitnami'", optional=True),
            Arg("version", version, "text", "version='1.2.3'", optional=True),
            Arg("namespace", namespace, "text", "namespace='web'"),
        )
        release = HelmRelease(str(name), str(chart), str(namespace), repo, version)
        if _is_local(release, chart, self.app.resolve_path(str(chart))):
            release = dataclasses.replace(release, chart=str(self.app.resolve_path(str(chart))))
        folder = release_folder(self.paths.root, release)
        image = ContainerImageAnnotation(DEFAULT_IMAGE, DEFAULT_TAG)
        resource = HelmReleaseResource(release.name, image, release, folder)
        resource.get_json = self.release_api()
        child = HelmReleaseBuilder(self.app, resource)
        self.app.resources.append(resource)
        if child._rejects("add_helm_release", *problems, defines_resource=True):
            return child
        problem = chart_problem(release)
        if problem is not None:
            child._reject("add_helm_release chart", problem)
        elif release.local_chart is not None:
            child.with_bind_mount(release.chart, chart_mount(release), read_only=True)
        # Created before each start (then filled by prepare_release), so nothing is written now.
        child.with_bind_mount(values_folder(folder), VALUES_MOUNT, read_only=True, create=True)
        child.with_parent(self).with_entrypoint("helm").with_args(helm_args)
        child.on_before_start(prepare_release)
        stamp_after_success(child)
        return child.with_reference(self).wait_for(self)


__all__ = ["CHARTS_MOUNT", "HelmReleaseBuilder", "HelmReleaseMethods", "HelmReleaseResource"]
