"""Importing a client library the first time an integration needs it, in a thread.

Integrations load at every app host start, so their client libraries (redis-py, psycopg) are not
imported at module level; and the first import (0.2-1 s on a loaded machine) must not stall the
event loop that runs the proxies and every other resource, as a plain ``import`` inside a
coroutine would.
"""

from __future__ import annotations

import asyncio
import importlib
import sys


async def import_off_loop(module: str) -> None:
    """Make sure ``module`` is imported, importing it in a worker thread when it is not yet."""
    if module not in sys.modules:
        await asyncio.to_thread(importlib.import_module, module)
