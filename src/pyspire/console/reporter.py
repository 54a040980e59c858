"""What ``pyspire run`` shows in the terminal: a startup summary, state changes, resource output.

Resource output can be very heavy (a million lines), so it bypasses rich and is handed over in one
piece per batch, prefixed with the replica name in a colour per resource. Everything goes through
a :mod:`~pyspire.console.writer` sink, so a terminal or pipe that does not keep up costs dropped
(and counted) lines, never a stalled event loop. Snapshots are already masked and logs already
redacted, so nothing printed here can carry a secret.

When the stream is not a terminal, nothing is wrapped: rich would otherwise lay tables out for 80
columns and split paths and URLs across lines of a CI log.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import IO, TextIO, cast

from rich.console import Console

from pyspire.console.styles import UNWRAPPED_WIDTH
from pyspire.console.summary import startup_headline, state_style, summary_table
from pyspire.console.writer import TextSink, sink_for
from pyspire.executor.snapshots import ResourceSnapshot, SnapshotHub
from pyspire.orchestrator.logs import LogBatch, LogStore
from pyspire.runtime.startup import seconds_since_start
from pyspire.states import BLOCKED_STATES, SETTLED_STATES

_COLOURS = ["36", "35", "33", "32", "34", "96", "95", "93", "92", "94"]


class _SinkFile:
    """The file rich writes to: its text goes to the sink as essential (pyspire's own messages
    outlast a flood of resource output)."""

    def __init__(self, sink: TextSink) -> None:
        self._sink = sink

    @property
    def encoding(self) -> str:
        return self._sink.encoding

    def write(self, text: str) -> int:
        self._sink.write(text, essential=True)
        return len(text)

    def flush(self) -> None:
        pass


class ConsoleReporter:
    def __init__(
        self,
        snapshots: SnapshotHub,
        logs: LogStore,
        show_output: bool = True,
        stream: TextIO | None = None,
        color: bool | None = None,
    ) -> None:
        self.snapshots = snapshots
        self.logs = logs
        self.show_output = show_output
        stream = stream or sys.stdout
        terminal = stream.isatty()
        self.color = terminal if color is None else color
        self._sink = sink_for(stream)
        self.console = Console(
            file=cast(IO[str], _SinkFile(self._sink)),
            force_terminal=self.color,
            no_color=not self.color,
            highlight=False,
            soft_wrap=True,
            width=None if terminal else UNWRAPPED_WIDTH,
        )
        self._colours: dict[str, str] = {}
        self._unsubscribe = None if not show_output else logs.subscribe(self._on_batch)
        self._width = 0

    # -- messages ------------------------------------------------------------------------------

    def message(self, text: str, style: str = "bold") -> None:
        """An app-host message (not resource output)."""
        self.console.print(f"[{style}]pyspire[/] {text}", markup=True, highlight=False)

    def summary(self, title: str) -> None:
        self.console.print(summary_table(title, self.snapshots.all()))

    async def report(self, settle_timeout: float = 10.0) -> None:
        """Print the startup summary once resources settle, then every state change. Runs until cancelled."""
        last: dict[str, str] = {}
        shown_version: dict[str, int] = {}
        summary_printed = False
        deadline = time.monotonic() + settle_timeout

        def settled() -> bool:
            return all(s.state in SETTLED_STATES for s in self.snapshots.all())

        watcher = self.snapshots.watch(include_current=True).__aiter__()
        while True:
            timeout = max(0.0, deadline - time.monotonic()) if not summary_printed else None
            try:
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation.
                async with asyncio.timeout(timeout):
                    snap = await watcher.__anext__()
            except TimeoutError:
                snap = None
            if snap is not None and summary_printed:
                if snap.version > shown_version.get(snap.name, -1) and last.get(snap.name) != snap.state:
                    self._state_change(snap)
                    last[snap.name] = snap.state
            if not summary_printed and (settled() or time.monotonic() >= deadline):
                current = self.snapshots.all()
                self.summary(startup_headline(current, seconds_since_start()))
                summary_printed = True
                # Changes already queued are in the summary: do not print them again.
                last = {s.name: s.state for s in current}
                shown_version = {s.name: s.version for s in current}

    def _state_change(self, snap: ResourceSnapshot) -> None:
        extra = ""
        if snap.exit_code is not None and snap.is_terminal:
            extra = f" (exit code {snap.exit_code})"
        if snap.state_message and snap.state in BLOCKED_STATES:
            extra += f": {snap.state_message}"
        self.console.print(
            f"[bold]pyspire[/] {snap.name} [{state_style(snap.state)}]{snap.state}[/]{extra}", highlight=False
        )

    # -- resource output -----------------------------------------------------------------------

    def _prefix(self, batch: LogBatch) -> str:
        label = batch.replica
        self._width = max(self._width, len(label))
        if not self.color:
            return f"{label:<{self._width}} | "
        colour = self._colours.setdefault(batch.resource, _COLOURS[len(self._colours) % len(_COLOURS)])
        return f"\x1b[{colour}m{label:<{self._width}}\x1b[0m | "

    def _on_batch(self, batch: LogBatch) -> None:
        prefix = self._prefix(batch)
        if batch.stream == "system":
            text = "".join(
                f"{prefix}\x1b[2m{line}\x1b[0m\n" if self.color else f"{prefix}{line}\n"
                for line in batch.lines
            )
        else:
            text = prefix + ("\n" + prefix).join(batch.lines) + "\n"
        self._sink.write(text, lines=len(batch.lines))
        if self._sink.broken:  # the reader hung up (`pyspire run | head`): stop formatting output
            self.close()

    def close(self) -> None:
        """Stop showing resource output (state messages and summaries still print)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    async def drain(self) -> None:
        """Wait, in a thread and for a bounded time, until what was printed has reached the
        terminal: the final summary should be seen, but a reader that never comes must not keep
        the app host from exiting."""
        await asyncio.to_thread(self._sink.drain)
