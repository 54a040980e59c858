"""The app host's terminal output: the reporter (summary, state changes, resource output), the
bounded writer everything goes through, and the logging handler that uses it.

The names below load on first use, so that a CLI command reading :mod:`pyspire.console.styles`
does not import the app host (asyncio, the executor) to colour a table."""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspire.console.log_output import ConsoleLogHandler
    from pyspire.console.reporter import ConsoleReporter

_EXPORTS = {
    "ConsoleLogHandler": "pyspire.console.log_output",
    "ConsoleReporter": "pyspire.console.reporter",
}

__all__ = ["ConsoleLogHandler", "ConsoleReporter"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pyspire.console' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
