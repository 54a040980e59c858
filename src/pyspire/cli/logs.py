"""``pyspire logs``: a resource's (or a replica's, or every resource's) console output."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from pyspire.cli.names import resource_and_replica
from pyspire.cli.output import APPHOST_OPTION, FORMAT_OPTION
from pyspire.cli.session import api_errors, connect

_COLOURS = ["36", "35", "33", "32", "34", "96", "95", "93", "92", "94"]


class _Printer:
    """Writes lines as they come (flushing each, so a pipe sees them at once), prefixed with the
    replica name when showing several, coloured per resource in a terminal."""

    def __init__(self, prefixed: bool, timestamps: bool) -> None:
        self.prefixed = prefixed
        self.timestamps = timestamps
        self.colour = sys.stdout.isatty()
        self._colours: dict[str, str] = {}
        self._width = 0

    def __call__(self, line: dict[str, Any]) -> None:
        parts: list[str] = []
        if self.timestamps:
            parts.append(line["timestamp"])
        if self.prefixed:
            label = line["replica"]
            self._width = max(self._width, len(label))
            padded = f"{label:<{self._width}}"
            if self.colour:
                code = self._colours.setdefault(line["resource"], _COLOURS[len(self._colours) % len(_COLOURS)])
                padded = f"\x1b[{code}m{padded}\x1b[0m"
            parts.append(f"{padded} |")
        text = line["text"]
        if self.colour and line["stream"] == "system":  # pyspire's own notes, dimmed
            text = f"\x1b[2m{text}\x1b[0m"
        parts.append(text)
        sys.stdout.write(" ".join(parts) + "\n")
        sys.stdout.flush()


@click.command()
@click.argument("target", required=False, metavar="[RESOURCE[/REPLICA]]", callback=resource_and_replica)
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines until Ctrl+C (or the app host stops).")
@click.option("--tail", type=click.IntRange(min=0), default=None, help="Only the last N lines (per resource).")
@click.option("-t", "--timestamps", is_flag=True, help="Prefix each line with its time (RFC 3339, UTC).")
@APPHOST_OPTION
@FORMAT_OPTION
def logs(
    target: tuple[str | None, str | None],
    follow: bool,
    tail: int | None,
    timestamps: bool,
    apphost: str | None,
    output_format: str,
) -> None:
    """Print the console output of RESOURCE (or one REPLICA: its name or suffix); without one,
    every resource's, interleaved and prefixed."""
    resource, replica = target
    printer = _Printer(prefixed=not resource, timestamps=timestamps)
    with api_errors(), connect(apphost) as client:
        if resource and not replica:
            replicas = client.resource(resource).get("replicas") or []
            printer.prefixed = len(replicas) > 1
        try:
            for line in client.logs(resource, replica, tail, follow):
                if output_format == "json":
                    sys.stdout.write(json.dumps(line) + "\n")
                    sys.stdout.flush()
                else:
                    printer(line)
        except BrokenPipeError:  # `pyspire logs x | head`
            sys.stderr.close()
