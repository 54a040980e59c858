"""The reaper: a tiny watchdog process that outlives a killed app host and cleans up after it.

A parent-death signal kills an app host's direct children when it dies, but not what those
children started (a shell's background job, a daemon that double-forked into its own session),
nor an engine CLI call in flight, which would create its container after any sweep. So every app
host starts this script, ``python -I reaper.py RUN_FILE``, with a pipe on its stdin. A clean
shutdown writes ``bye`` and closes it; if the pipe closes without ``bye`` the app host died, and
the reaper sweeps the run (see :mod:`pyspire.runtime.sweep`) and leaves a note so the next run
can say what was cleaned.

It runs in a process group of its own in the app host's session — out of the terminal's
foreground group, so a Ctrl+C meant for the app host is not for it — and the app host starts
every engine CLI call in that group, which is how the sweep finds the calls in flight. It imports
nothing but the standard library and the stdlib-only modules of this package (``-I`` ignores
``PYTHONPATH``, so the package is found from this file's own location).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path


def main(run_file: Path) -> None:
    from pyspire.runtime.sweep import sweep_run_file

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl+C for the app host is not for us
    received = b""
    while True:
        try:
            chunk = os.read(0, 64)
        except InterruptedError:
            continue
        if not chunk:
            break
        received += chunk
    if received.strip() == b"bye":
        # Nothing to flush or release: skip the interpreter's teardown, which the app host
        # (waiting for us on its way out) would otherwise sit through.
        os._exit(0)
    sweep_run_file(run_file, by="reaper")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    main(Path(sys.argv[1]))
