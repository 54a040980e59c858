"""Python logging of the app host (pyspire's warnings, uvicorn, asyncio's "exception was never
retrieved") through the console's bounded writer: a stderr nobody reads would otherwise stall the
event loop on the first warning, exactly as an unread stdout would. Under a flood of records (a
descriptor shortage logged per failed accept) the excess is dropped and counted, not queued."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from pyspire.console.writer import sink_for


class ConsoleLogHandler(logging.Handler):
    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__()
        self._sink = sink_for(stream or sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._sink.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)

    def flush(self) -> None:
        """Called by ``logging.shutdown`` at exit: give the last records a bounded chance."""
        self._sink.drain()
