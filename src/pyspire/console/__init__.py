"""The app host's terminal output: the reporter (summary, state changes, resource output), the
bounded writer everything goes through, and the logging handler that uses it."""

from pyspire.console.log_output import ConsoleLogHandler
from pyspire.console.reporter import ConsoleReporter

__all__ = ["ConsoleLogHandler", "ConsoleReporter"]
