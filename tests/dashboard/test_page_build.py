"""The page shipped in the package is exactly what ``dashboard-ui/`` builds.

The built files are committed so that ``pip install pyspire`` needs no Node; this test rebuilds
the sources from the lock file (``npm ci``, as scripts/build-dashboard.sh does) into a temporary
folder and compares byte for byte, so a change to the sources without a rebuild fails here."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "dashboard-ui"
SHIPPED = ROOT / "src" / "pyspire" / "dashboard" / "static"


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.timeout(300)
def test_the_shipped_dashboard_page_is_what_its_sources_build(tmp_path):
    if shutil.which("npm") is None:
        pytest.fail("npm is needed to rebuild the dashboard page (Node.js 20+); install Node.js")
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "build-dashboard.sh"), "--outDir", str(tmp_path / "built")],
        check=True,
        capture_output=True,
        text=True,
    )
    built, shipped = _files(tmp_path / "built"), _files(SHIPPED)
    assert sorted(built) == sorted(shipped), (
        "run scripts/build-dashboard.sh and commit src/pyspire/dashboard/static"
    )
    changed = [name for name in built if built[name] != shipped[name]]
    assert not changed, f"stale build of {changed}: run scripts/build-dashboard.sh and commit the result"
