"""The public API: everything in ``pyspire.__all__`` resolves (exports load lazily)."""

from __future__ import annotations

import subprocess
import sys

import pyspire


def test_every_exported_name_resolves_to_a_real_object():
    for name in pyspire.__all__:
        assert getattr(pyspire, name) is not None, name
    assert set(pyspire.__all__) - {"__version__"} == set(pyspire._EXPORTS)


def test_client_commands_do_not_import_the_app_host():
    code = "import sys, pyspire.cli.main; print(sorted(m for m in sys.modules if m in ('pyspire.app', 'uvicorn', 'pyspire.orchestrator')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
