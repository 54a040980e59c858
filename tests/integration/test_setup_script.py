"""``scripts/setup.sh`` on a fresh clone: one line while it installs, nothing from pip or the
build backend (setuptools' deprecation warnings used to fill the screen) — unless the install
fails, and then everything the installer said, to act on."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def setup(clone: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "scripts/setup.sh"], cwd=clone, capture_output=True, text=True, timeout=300, check=False
    )


def test_setup_is_quiet_unless_the_install_fails(tmp_path):
    clone = tmp_path / "clone"
    clone.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, clone / name)
    for folder in ("src", "scripts"):
        shutil.copytree(ROOT / folder, clone / folder, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))

    first = setup(clone)
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.stdout == ""
    assert first.stderr.splitlines() == ["installing pyspire into .venv (first run, or pyproject.toml changed)…"]
    assert (clone / ".venv" / "bin" / "pyspire").exists()
    assert setup(clone).stderr == "", "a second run with nothing changed says nothing"

    (clone / "pyproject.toml").write_text("[project\nname = 'broken'\n")
    broken = setup(clone)
    assert broken.returncode == 1
    assert "pyproject.toml" in broken.stderr and len(broken.stderr.splitlines()) > 3, broken.stderr
    assert broken.stderr.rstrip().endswith("setting up .venv failed; the installer's output is above")
