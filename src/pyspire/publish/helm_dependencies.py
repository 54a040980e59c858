"""Helm releases of the app's k3s clusters, published as what they are: dependencies of the chart.

In the inner loop ``cluster.add_helm_release("web", "./charts/web")`` installs a chart next to the
app's own services; on a real cluster the same chart belongs in the app's chart, so the release
becomes an entry of ``dependencies:`` in ``Chart.yaml``, aliased by the release's name (two
releases of one chart stay apart), switched by ``<release>.enabled``, with the values the release
was given (its values files merged in order, then ``with_values``, as helm applies them) under
that name in ``values.yaml``.

- A local chart folder is copied into ``charts/<release>/`` and a packaged ``.tgz`` unpacked
  there: the published chart is whole, ``helm template`` and ``helm install`` need nothing else.
- A chart of a repository (``repo=``) or an ``oci://`` reference keeps its ``repository`` and
  ``version``: ``helm dependency build`` fetches it (``pyspire deploy`` runs it).

A subchart is installed in the namespace of the app's release, not in the release's own
``namespace``: ``values.yaml`` says so where they differ.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from pyspire.integrations.k3s import HelmReleaseResource
from pyspire.integrations.k3s.helm import merge_values
from pyspire.integrations.k3s.helm_args import HelmRelease
from pyspire.model.errors import ModelProblem
from pyspire.publish.plan import PublishPlan

#: Where the published chart keeps its subcharts (helm's own folder for them).
CHARTS_DIR = "charts"


@dataclass
class ChartDependency:
    """One release as a dependency: the ``Chart.yaml`` entry, its values and the files to write."""

    alias: str
    entry: dict[str, str]
    values: dict[str, Any]
    namespace: str
    files: dict[str, str] = field(default_factory=dict)

    @property
    def fetched(self) -> bool:
        """From a repository or registry (``helm dependency build`` fetches it), not copied in."""
        return "repository" in self.entry


def chart_dependencies(plan: PublishPlan, problems: list[ModelProblem]) -> list[ChartDependency]:
    """Every Helm release of the model as a dependency, sorted by release name; a release whose
    chart or values cannot be read is a problem naming it (nothing is written then)."""
    found: list[ChartDependency] = []
    for entry in plan.entries:
        resource = entry.resource
        if not isinstance(resource, HelmReleaseResource):
            continue
        try:
            found.append(_dependency(resource.release))
        except (OSError, ValueError, yaml.YAMLError, tarfile.TarError) as exc:
            problems.append(ModelProblem(resource.name, "chart", f"{exc}; fix the chart or its values, or remove the release", resource.origin_of()))
    return sorted(found, key=lambda dependency: dependency.alias)


def _dependency(release: HelmRelease) -> ChartDependency:
    values = _merged_values(release)
    local = release.local_chart
    if local is None:
        name, repository = _remote(release)
        entry = {"name": name, "version": release.version or "*", "repository": repository}
        files: dict[str, str] = {}
    else:
        files = _chart_folder(local) if local.is_dir() else _packaged_chart(local)
        chart = yaml.safe_load(files.get("Chart.yaml", "")) or {}
        if not isinstance(chart, dict) or not chart.get("name") or not chart.get("version"):
            raise ValueError(f"{local} has no Chart.yaml with a name and a version")
        entry = {"name": str(chart["name"]), "version": str(chart["version"])}
        files = {f"{CHARTS_DIR}/{release.name}/{path}": text for path, text in files.items()}
    entry["alias"] = release.name
    entry["condition"] = f"{release.name}.enabled"
    return ChartDependency(release.name, entry, {"enabled": True, **values}, release.namespace, files)


def _remote(release: HelmRelease) -> tuple[str, str]:
    """The chart's name and where helm fetches it: ``repo=`` as given, an ``oci://`` reference
    split at its last segment (helm's ``repository`` for OCI is the path above the chart)."""
    if release.repo is not None:
        return release.chart, release.repo
    if release.chart.startswith("oci://"):
        repository, _, name = release.chart.rstrip("/").rpartition("/")
        return name, repository
    if "/" in release.chart:  # repo/chart: a repository added to helm by name
        alias, _, name = release.chart.partition("/")
        return name, f"@{alias}"
    raise ValueError(f"chart {release.chart!r} names no repository; give repo= or a local folder")


def _merged_values(release: HelmRelease) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for path in release.values_files:
        document = yaml.safe_load(Path(path).read_text()) or {}
        if not isinstance(document, dict):
            raise ValueError(f"values file {path} is not a mapping")
        merged = merge_values(merged, document)
    return merge_values(merged, dict(release.values))


def _chart_folder(folder: Path) -> dict[str, str]:
    """The chart's files by relative path (hidden folders such as ``.git`` left out)."""
    files: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") and part != ".helmignore" for part in relative.parts):
            files[relative.as_posix()] = _text(path.read_bytes(), f"{folder}/{relative.as_posix()}")
    return files


def _packaged_chart(archive: Path) -> dict[str, str]:
    """The files of a ``helm package`` archive (one top folder, the chart's name), read in memory:
    nothing is extracted, so a member's path cannot escape."""
    files: dict[str, str] = {}
    with tarfile.open(fileobj=io.BytesIO(archive.read_bytes()), mode="r:gz") as tar:
        for member in tar.getmembers():
            parts = PurePosixPath(member.name).parts
            if not member.isfile() or len(parts) < 2 or ".." in parts:
                continue
            extracted = tar.extractfile(member)
            if extracted is not None:
                files["/".join(parts[1:])] = _text(extracted.read(), f"{archive}:{member.name}")
    return dict(sorted(files.items()))


def _text(data: bytes, where: str) -> str:
    try:
        return data.decode()
    except UnicodeDecodeError:
        raise ValueError(f"{where} is not text (a published chart holds text files only)") from None


def dependencies_values(dependencies: Sequence[ChartDependency]) -> str:
    """The ``values.yaml`` part: each release's values under its name, with where it came from."""
    if not dependencies:
        return ""
    parts = [
        "\n# Helm releases of the app's k3s clusters, as dependencies of this chart (Chart.yaml):\n"
        "# each under its release name, switched off with <release>.enabled=false.\n"
    ]
    for dependency in dependencies:
        source = dependency.entry.get("repository") or f"{CHARTS_DIR}/{dependency.alias}"
        note = f"# chart {dependency.entry['name']} {dependency.entry['version']} from {source}"
        if dependency.namespace != "default":
            note += f"; installed in this release's namespace, not {dependency.namespace!r}"
        parts.append(note + "\n")
        parts.append(yaml.safe_dump({dependency.alias: dependency.values}, sort_keys=False, allow_unicode=True, width=1_000))
    return "".join(parts)
