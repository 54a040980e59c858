"""``pyspire run > log``: a regular file cannot keep the console waiting, so it is written at once
and never loses a line, however fast output comes (only a pipe or a terminal, which may not be
read, gets the drop-and-count writer)."""

from __future__ import annotations

from pyspire.console.writer import sink_for

CHUNKS = 40
LINES_PER_CHUNK = 8_192  # 40 chunks of 512 KiB: five times the budget, written in a few milliseconds


def test_output_to_a_file_keeps_every_line_at_any_speed(tmp_path):
    log = tmp_path / "console.log"
    line = "x" * 63 + "\n"
    with open(log, "w") as stream:
        sink = sink_for(stream)
        for _ in range(CHUNKS):
            sink.write(line * LINES_PER_CHUNK, lines=LINES_PER_CHUNK)
        assert sink.drain()
    with open(log, "rb") as written:
        assert sum(chunk.count(b"\n") for chunk in iter(lambda: written.read(1 << 20), b"")) == CHUNKS * LINES_PER_CHUNK
