"""kubectl argv and the CRDs-first split of a manifest path: pure, so unit-testable.

Every file is parsed with PyYAML (``safe_load_all``; JSON is YAML), so a CRD written as JSON, a
``kind: List`` holding CRDs and instances, and ``---`` inside a block scalar are all classified
right, where splitting text on ``---`` lines and grepping ``kind:`` was not. Each object is then
written as one JSON file (exact: no YAML re-emitting rules; timestamps are kept as the strings
they were, as Kubernetes reads them). CRDs are applied first and waited for by name
(``kubectl wait --for=condition=Established crd/<name>``) before the objects that may be
instances of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pyspire.errors import ConfigurationError
from pyspire.extensions import write_atomic

MANIFEST_MOUNT = "/manifests"
FIELD_MANAGER = "pyspire"
CRD_KIND = "CustomResourceDefinition"
MANIFEST_SUFFIXES = frozenset({".yaml", ".yml", ".json"})
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


class _Loader(yaml.SafeLoader):
    """Safe loading that keeps timestamps as text: ``creationTimestamp: 2024-01-01T00:00:00Z``
    stays the string the API server expects, and the object stays JSON-serialisable."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def is_kustomization(path: Path) -> bool:
    """A folder with ``kustomization.yaml|yml`` is applied with ``-k`` as a whole."""
    return path.is_dir() and any((path / n).is_file() for n in KUSTOMIZATION_FILES)


def manifest_files(path: Path) -> list[Path]:
    """A file, or the top-level ``.yaml``/``.yml``/``.json`` files of a folder, in name order."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.iterdir() if p.is_file() and p.suffix in MANIFEST_SUFFIXES)


def _objects(value: Any) -> Iterator[dict[str, Any]]:
    """The objects of one document: itself, or the ``items`` of a ``kind: List`` (``v1/List``,
    ``ConfigMapList``…, flattened as kubectl does)."""
    if not isinstance(value, dict):
        return
    kind = value.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(value.get("items"), list):
        for item in value["items"]:
            yield from _objects(item)
    else:
        yield value


def parse_objects(text: str, source: str = "<text>") -> list[dict[str, Any]]:
    """The Kubernetes objects in a YAML (or JSON) stream; empty documents are skipped. A stream
    that is not YAML is a :class:`ConfigurationError` naming the file and where it breaks."""
    try:
        documents = list(yaml.load_all(text, Loader=_Loader))  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{source} is not valid YAML: {exc}; fix the file") from exc
    return [obj for doc in documents for obj in _objects(doc)]


@dataclass(frozen=True)
class Split:
    """The objects of a manifest path: CRDs (applied and waited for first) and everything else."""

    crds: list[dict[str, Any]] = field(default_factory=list)
    rest: list[dict[str, Any]] = field(default_factory=list)

    @property
    def crd_names(self) -> list[str]:
        """``widgets.example.com``…: what ``kubectl wait crd/<name>`` is given."""
        return [str(c.get("metadata", {}).get("name", "")) for c in self.crds]


def is_crd(obj: dict[str, Any]) -> bool:
    return obj.get("kind") == CRD_KIND and str(obj.get("apiVersion", "")).startswith("apiextensions.k8s.io/")


def split_crds(objects: list[dict[str, Any]]) -> Split:
    """CRDs apart from everything else, order otherwise kept."""
    split = Split()
    for obj in objects:
        (split.crds if is_crd(obj) else split.rest).append(obj)
    return split


def read_split(path: Path) -> Split:
    """Parse every manifest file under ``path`` (see :func:`manifest_files`) and split it."""
    return split_crds([o for p in manifest_files(path) for o in parse_objects(p.read_text(), str(p))])


def apply_argv(target: str, *, kustomize: bool = False) -> list[str]:
    """Server-side apply with pyspire's field manager, taking over fields others left behind."""
    return [
        "apply", "--server-side", f"--field-manager={FIELD_MANAGER}", "--force-conflicts",
        "-k" if kustomize else "-f", target,
    ]  # fmt: skip


def wait_crds_argv(names: list[str], timeout: str = "60s") -> list[str]:
    """Wait until every named CRD is Established, so instances of it can be applied."""
    return ["wait", "--for=condition=Established", f"--timeout={timeout}", *(f"crd/{n}" for n in names)]


def write_objects(folder: Path, objects: list[dict[str, Any]]) -> None:
    """``folder/0000.json``…, one object each, written atomically; stale files removed first."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.json"):
        stale.unlink()
    for i, obj in enumerate(objects):
        write_atomic(folder / f"{i:04d}.json", json.dumps(obj, indent=2, sort_keys=True) + "\n")


def write_split(path: Path, folder: Path) -> Split:
    """On the host, before start: ``folder/crds/`` and ``folder/rest/`` (the kubectl steps mount
    ``folder`` read-only), plus ``folder/crd-names.json`` for the wait step."""
    split = read_split(path)
    write_objects(folder / "crds", split.crds)
    write_objects(folder / "rest", split.rest)
    write_atomic(folder / "crd-names.json", json.dumps(split.crd_names) + "\n")
    return split


def read_crd_names(folder: Path) -> list[str]:
    """What :func:`write_split` recorded: the CRDs the wait step waits for (none before a split)."""
    try:
        names = json.loads((folder / "crd-names.json").read_text())
    except (OSError, ValueError):
        return []
    return [str(n) for n in names] if isinstance(names, list) else []
