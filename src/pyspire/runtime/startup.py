"""When pyspire began running in this process: the origin of the console's "app started in 0.41s".

Not the process's start time from ``/proc``: ``exec`` keeps it, so a script that installs pyspire
and then ``exec``s it (``scripts/example.sh`` does) had the install counted as start-up.
``pyspire/__init__.py`` imports this module before anything else, so the clock starts before any
of pyspire's imports; only the interpreter's own start-up (some 40 ms) comes before it.
"""

from __future__ import annotations

import time

_STARTED = time.monotonic()


def seconds_since_start() -> float:
    """Seconds since pyspire's code began running in this process."""
    return time.monotonic() - _STARTED
