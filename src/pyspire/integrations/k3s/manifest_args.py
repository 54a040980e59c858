"""kubectl argv and the CRDs-first split of a manifest path: pure, so unit-testable.

CRDs are applied (and waited for with ``kubectl wait -f <crds>``, so no names need parsing)
before the documents that may be instances of them. Documents are split on YAML's ``---``
separators and classified by their top-level ``kind:`` line; no YAML library is needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pyspire.extensions import write_atomic

MANIFEST_MOUNT = "/manifests"
FIELD_MANAGER = "pyspire"
_SEPARATOR = re.compile(r"^---[ \t]*(?:#.*)?$", re.MULTILINE)
_CRD_KIND = re.compile(r"^kind:[ \t]*[\"']?CustomResourceDefinition[\"']?[ \t]*$", re.MULTILINE)
_CONTENT = re.compile(r"^[^#\s]", re.MULTILINE)


def is_kustomization(path: Path) -> bool:
    """A folder with ``kustomization.yaml|yml`` is applied with ``-k`` as a whole."""
    return path.is_dir() and any(
        (path / n).is_file() for n in ("kustomization.yaml", "kustomization.yml", "Kustomization")
    )


def manifest_files(path: Path) -> list[Path]:
    """A file, or the top-level ``.yaml``/``.yml``/``.json`` files of a folder, in name order."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.iterdir() if p.is_file() and p.suffix in {".yaml", ".yml", ".json"})


def split_documents(text: str) -> list[str]:
    """The non-empty documents of a YAML stream."""
    return [d.strip("\n") + "\n" for d in _SEPARATOR.split(text) if _CONTENT.search(d)]


@dataclass(frozen=True)
class Split:
    crds: list[str]
    rest: list[str]


def split_crds(texts: list[str]) -> Split:
    """CRD documents apart from everything else, order otherwise kept."""
    crds: list[str] = []
    rest: list[str] = []
    for text in texts:
        for doc in split_documents(text):
            (crds if _CRD_KIND.search(doc) else rest).append(doc)
    return Split(crds, rest)


def apply_argv(target: str, *, kustomize: bool = False) -> list[str]:
    """Server-side apply with pyspire's field manager, taking over fields others left behind."""
    return [
        "apply", "--server-side", f"--field-manager={FIELD_MANAGER}", "--force-conflicts",
        "-k" if kustomize else "-f", target,
    ]  # fmt: skip


def wait_crds_argv(target: str, timeout: str = "60s") -> list[str]:
    """Wait until every CRD in ``target`` is Established, so instances can be applied."""
    return ["wait", "--for=condition=Established", "-f", target, f"--timeout={timeout}"]


def write_split(path: Path, folder: Path) -> tuple[Path | None, Path]:
    """On the host, before start: ``folder/crds/`` (None when there are none) and ``folder/rest/``,
    one file per document, written atomically; the kubectl steps mount these read-only."""
    split = split_crds([p.read_text() for p in manifest_files(path)])
    out: dict[str, list[str]] = {"crds": split.crds, "rest": split.rest}
    for part, docs in out.items():
        target = folder / part
        target.mkdir(parents=True, exist_ok=True)
        for stale in target.glob("*.yaml"):
            stale.unlink()
        for i, doc in enumerate(docs):
            write_atomic(target / f"{i:04d}.yaml", doc)
    return (folder / "crds" if split.crds else None), folder / "rest"
