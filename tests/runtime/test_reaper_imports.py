"""The reaper starts as ``python -I reaper.py`` and runs on the standard library alone: it finds
its own package without PYTHONPATH and imports nothing from outside it but the standard library
(a reaper that cannot start cleans nothing up)."""

from __future__ import annotations

import subprocess
import sys

from pyspire.runtime import reaper

#: Runs the reaper as the app host does (its ``__main__``, under ``-I``) and prints what it imported.
PROBE = """
import runpy, sys
before = set(sys.modules)
sys.argv = [sys.argv[1], sys.argv[2]]
runpy.run_path(sys.argv[0], run_name="__main__")
print("\\n".join(sorted(set(sys.modules) - before)))
"""


def test_the_reaper_imports_only_the_standard_library_and_its_own_sweep(tmp_path):
    done = subprocess.run(
        [sys.executable, "-I", "-c", PROBE, reaper.__file__, str(tmp_path / "missing.json")],
        stdin=subprocess.DEVNULL,  # closed without "bye": it sweeps (a run file that does not exist)
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    outside = {name for name in done.stdout.split() if name.split(".")[0] not in sys.stdlib_module_names}
    assert outside == {
        "pyspire",
        "pyspire._version",
        "pyspire.runtime",
        "pyspire.runtime.startup",  # pyspire/__init__ starts the start-up clock (stdlib only)
        "pyspire.runtime.sweep",
        "pyspire.runtime.procs",
        "pyspire.runtime.cgroups",
        "pyspire.runtime.files",
        "pyspire.runtime.state_dir",  # where the run's socket and secrets are (stdlib only)
        "pyspire.labels",  # the run label its containers carry (no imports)
    }, outside
