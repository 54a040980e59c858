"""Helpers of the publish tests: copies of the examples, the real CLI, output trees as bytes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
#: What a developer's run leaves in an example's folder; not part of the example.
LEFTOVERS = shutil.ignore_patterns(".venv", "node_modules", "__pycache__", ".pyspire", "publish")


def copy_example(name: str, into: Path) -> Path:
    """A copy of ``examples/<name>`` under ``into`` (so the output folder's place relative to the
    app is the same on every machine, and the repository stays untouched)."""
    target = into / name
    shutil.copytree(EXAMPLES / name, target, ignore=LEFTOVERS)
    return target


def run_cli(*args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m pyspire <args>`` as a real process, with this checkout's sources first."""
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "src"), environment.get("PYTHONPATH")]))
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "pyspire", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=60,
    )


def publish_cli(
    app_dir: Path, out: Path, env: Mapping[str, str] | None = None, target: str = "compose"
) -> subprocess.CompletedProcess[str]:
    return run_cli("publish", "--target", target, "-o", str(out), str(app_dir), env=env)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path (with ``/``), with its bytes."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


#: ``PYSPIRE_UPDATE_GOLDEN=1``: rewrite the golden trees from this run (then read the diff).
UPDATE_GOLDEN = os.environ.get("PYSPIRE_UPDATE_GOLDEN") == "1"


def assert_golden(out: Path, golden: Path) -> None:
    """``out`` is byte for byte the tree ``golden`` (rewritten first under UPDATE_GOLDEN)."""
    published = tree(out)
    if UPDATE_GOLDEN:
        shutil.rmtree(golden, ignore_errors=True)
        shutil.copytree(out, golden)
    expected = tree(golden)
    assert sorted(published) == sorted(expected), "the same files, no more and no fewer"
    for name, content in expected.items():
        assert published[name].decode() == content.decode(), f"{name} differs from {golden / name}"
