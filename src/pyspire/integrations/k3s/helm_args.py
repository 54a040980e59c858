"""The argv of a Helm child, its values file and its "unchanged" checksum: pure, so unit-testable.

Values never travel through ``--set`` or a shell: ``with_values({...})`` is written as one JSON
document (JSON is YAML, and needs no escaping rules of Helm's ``--set`` syntax), mounted read-only
and passed with ``-f``. The argv is a list handed to the container runtime as-is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyspire.errors import ConfigurationError
from pyspire.extensions import write_atomic

#: Inside the Helm container: where local charts and values files are mounted.
CHARTS_MOUNT = "/charts"
VALUES_MOUNT = "/values"
GENERATED_VALUES = f"{VALUES_MOUNT}/generated-values.json"
DEFAULT_TIMEOUT = "10m"


@dataclass(frozen=True)
class HelmRelease:
    """What the user declared about one release (host paths still on the host)."""

    name: str
    chart: str
    namespace: str = "default"
    repo: str | None = None
    version: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    values_files: Sequence[Path] = ()
    timeout: str = DEFAULT_TIMEOUT

    @property
    def local_chart(self) -> Path | None:
        """A chart that names a host directory or a packaged ``.tgz`` (not a repo/OCI reference)."""
        if self.repo is not None or self.chart.startswith("oci://"):
            return None
        path = Path(self.chart)
        if path.is_absolute() or self.chart.startswith(".") or self.chart.endswith(".tgz"):
            return path
        return None


def chart_mount(release: HelmRelease) -> str:
    """Where the chart is seen inside the container (the reference itself for remote charts)."""
    local = release.local_chart
    return f"{CHARTS_MOUNT}/{local.name}" if local is not None else release.chart


def values_file_mounts(release: HelmRelease) -> list[tuple[Path, str]]:
    """``(host, container)`` pairs, numbered so their order (later wins) survives the mount."""
    return [(p, f"{VALUES_MOUNT}/{i}-{p.name}") for i, p in enumerate(release.values_files)]


def values_document(values: Mapping[str, Any]) -> str:
    """The generated values file: JSON (valid YAML), sorted so equal values give equal bytes."""
    return json.dumps(values, sort_keys=True, indent=2) + "\n"


def upgrade_argv(release: HelmRelease) -> list[str]:
    """``helm upgrade --install``: files given first, then the generated values (``with_values`` wins)."""
    argv = [
        "upgrade", "--install", release.name, chart_mount(release),
        "--namespace", release.namespace, "--create-namespace",
        "--wait", "--timeout", release.timeout,
    ]  # fmt: skip
    if release.version is not None:
        argv += ["--version", release.version]
    if release.repo is not None:
        argv += ["--repo", release.repo]
    for _, container_path in values_file_mounts(release):
        argv += ["-f", container_path]
    if release.values:
        argv += ["-f", GENERATED_VALUES]
    return argv


def status_argv(release: HelmRelease) -> list[str]:
    """``helm status``: used to confirm an unchanged release is still deployed before skipping."""
    return ["status", release.name, "--namespace", release.namespace, "-o", "json"]


def _hash_tree(digest: Any, path: Path) -> None:
    if path.is_file():
        digest.update(path.read_bytes())
        return
    for child in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(str(child.relative_to(path)).encode() + b"\0")
        digest.update(child.read_bytes() + b"\0")


def release_checksum(release: HelmRelease) -> str:
    """Over what decides the release: chart content (or ref+version), values, values files, argv."""
    digest = hashlib.sha256()
    digest.update("\0".join(upgrade_argv(release)).encode() + b"\1")
    local = release.local_chart
    if local is not None:
        _hash_tree(digest, local)
    digest.update(values_document(release.values).encode() + b"\1")
    for path in release.values_files:
        digest.update(path.read_bytes() + b"\1")
    return digest.hexdigest()


def chart_problem(release: HelmRelease) -> str | None:
    """What is wrong with a local chart that is not there (``None`` for a repository chart)."""
    local = release.local_chart
    if local is not None and not local.exists():
        return (
            f"chart {str(local)!r} does not exist; "
            "give an existing chart folder or .tgz, or pass repo= for a repository chart"
        )
    return None


def values_file_problem(path: Path) -> str | None:
    """What is wrong with a values file that is not there."""
    if path.is_file():
        return None
    return f"values file {str(path)!r} (with_values_file) does not exist; fix the path or remove the with_values_file call"


def check_paths(resource: str, release: HelmRelease) -> None:
    """At each start: a local chart or values file that is not there (any more) fails the child,
    saying how to fix it, before a container is made."""
    for problem in [chart_problem(release), *(values_file_problem(p) for p in release.values_files)]:
        if problem is not None:
            raise ConfigurationError(f"{resource}: {problem}")


def release_folder(root: Path, release: HelmRelease) -> Path:
    """``<cluster root>/helm/<release>/``: the values folder the container mounts, and the stamp."""
    return root / "helm" / release.name


def values_folder(folder: Path) -> Path:
    """``<release folder>/values/``, mounted read-only at ``/values``: the generated values and
    copies of the values files (copied at each start, so the container sees them as they are
    then, and one folder mount serves them all)."""
    return folder / "values"


def write_values(folder: Path, release: HelmRelease) -> Path:
    """Fill the values folder, each file atomically (a running Helm never reads half of one),
    files of an earlier start that are no longer given removed; returns the generated file."""
    target = values_folder(folder)
    target.mkdir(parents=True, exist_ok=True)
    wanted = {Path(container).name: host for host, container in values_file_mounts(release)}
    generated = target / Path(GENERATED_VALUES).name
    for stale in target.iterdir():
        if stale.name not in wanted and stale != generated:
            stale.unlink()
    for name, host in wanted.items():
        write_atomic(target / name, host.read_bytes())
    write_atomic(generated, values_document(release.values))
    return generated
