"""The environment a process inherits from the app host (its "ambient" environment).

It is added when the process is spawned, not written into the Executable: the object shows what
pyspire set for the replica, and the app host's own 40-odd variables (some of them credentials a
developer exported in their shell) never reach the object API or kubectl. The app host's
``Parameters__*`` / ``ConnectionStrings__*`` are left out: they are pyspire's configuration, and a
process receives the values it was given explicitly.
"""

from __future__ import annotations

import os

_APP_HOST_CONFIG_PREFIXES = ("Parameters__", "ConnectionStrings__")


def ambient_environment() -> dict[str, str]:
    """The app host's environment as a child inherits it."""
    return {k: v for k, v in os.environ.items() if not k.startswith(_APP_HOST_CONFIG_PREFIXES)}
