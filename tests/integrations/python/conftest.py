"""One real virtual environment with uvicorn and gunicorn from PyPI (pip's cache makes it quick),
shared by every server test of the session."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.integrations.python.helpers import make_venv

SERVER_PACKAGES = ("uvicorn>=0.30", "gunicorn>=22")


@pytest.fixture(scope="session")
def server_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = make_venv(tmp_path_factory.mktemp("server-venv") / ".venv")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *SERVER_PACKAGES,
        ],
        check=True,
    )
    return venv
