"""Fixtures of the deploy tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.helpers import pyspire


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    """The deployment's folder; whatever the test left deployed there is destroyed afterwards."""
    out = tmp_path / "deploy"
    yield out
    if (out / "deployment.json").is_file():
        pyspire("destroy", "--target", "compose", "-o", str(out))
