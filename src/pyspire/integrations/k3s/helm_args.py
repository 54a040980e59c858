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


def check_paths(resource: str, release: HelmRelease) -> None:
    """Before start: a local chart or values file that is not there fails the child, saying how to fix it."""
    local = release.local_chart
    if local is not None and not local.exists():
        raise ConfigurationError(
            f"{resource}: chart {str(local)!r} does not exist; "
            "give an existing chart folder or .tgz, or pass repo= for a repository chart"
        )
    for path in release.values_files:
        if not path.is_file():
            raise ConfigurationError(
                f"{resource}: values file {str(path)!r} (with_values_file) does not exist; "
                "fix the path or remove the with_values_file call"
            )


def release_folder(root: Path, release: HelmRelease) -> Path:
    """``<cluster root>/helm/<release>/``: the generated values file and the applied checksum."""
    return root / "helm" / release.name


def write_values(folder: Path, release: HelmRelease) -> Path:
    """The generated values file, written atomically (a running Helm never reads half of it)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "values.json"
    write_atomic(path, values_document(release.values))
    return path


def is_unchanged(folder: Path, checksum: str) -> bool:
    """True when the last successful install recorded this same checksum."""
    try:
        return (folder / "applied.sha256").read_text().strip() == checksum
    except FileNotFoundError:
        return False


def record_applied(folder: Path, checksum: str) -> None:
    """After ``helm upgrade`` succeeded: what the next start compares against."""
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / "applied.sha256", checksum + "\n")
