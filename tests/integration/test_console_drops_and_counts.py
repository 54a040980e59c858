"""The console's writer on a real pipe whose reader falls behind: writing never waits, what could
not be shown is counted at the place it was lost, and nothing is lost or invented in between."""

from __future__ import annotations

import fcntl
import os
import re
import threading

from pyspire.console.writer import BoundedWriter

F_SETPIPE_SZ = 1031
LINES = 20_000


def read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 16):
        chunks.append(chunk)
    return b"".join(chunks)


def test_lines_a_slow_reader_missed_are_counted_where_they_were_missed():
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, F_SETPIPE_SZ, 4096)
    writer = BoundedWriter(write_end, budget=16 << 10)

    def flood() -> None:
        for i in range(LINES):
            writer.write(f"line {i}\n")
            if i == LINES // 2:
                writer.write("pyspire api FailedToStart\n", essential=True)

    # Nobody reads the pipe while the lines are written: every write must return at once.
    flooding = threading.Thread(target=flood, daemon=True)
    flooding.start()
    flooding.join(10)
    assert not flooding.is_alive(), "a write blocked on the full pipe"

    reader = threading.Thread(target=lambda: output.append(read_all(read_end)), daemon=True)
    output: list[bytes] = []
    reader.start()
    assert writer.close(stall=5, limit=10), "the writer did not drain once the pipe was read"
    reader.join(10)
    os.close(read_end)
    text = output[0].decode()

    assert "pyspire api FailedToStart\n" in text, "an essential message was dropped"
    shown = [int(n) for n in re.findall(r"^line (\d+)$", text, re.M)]
    assert shown == sorted(shown) and len(set(shown)) == len(shown)
    assert 0 < len(shown) < LINES
    # Each notice sits where its lines are missing, and says how many: the gap before the next line.
    expected_next = 0
    missed = 0
    for line in text.splitlines():
        if match := re.fullmatch(r"line (\d+)", line):
            assert int(match[1]) == expected_next + missed, line
            expected_next, missed = int(match[1]) + 1, 0
        elif match := re.fullmatch(r"pyspire … ([\d,]+) lines not shown: the console was not keeping up", line):
            missed += int(match[1].replace(",", ""))
    assert expected_next + missed == LINES, "the lines dropped at the end were not counted"
    assert writer.dropped_total == LINES - len(shown)
