"""Captured output is bounded in bytes as well as lines: a line is cut at a maximum length (and
says so), a resource keeps at most its byte budget, and a slow follower holds at most its own."""

from __future__ import annotations

import asyncio
import fcntl
import os
import subprocess
import sys
import termios

from pyspire.orchestrator.logs import LogStore, PipeReader

MIB = 1 << 20


async def capture(store: LogStore, program: str, resource: str = "app") -> None:
    """Run ``python -c program`` and read its stdout through a PipeReader until EOF."""
    read_fd, write_fd = os.pipe()
    os.set_blocking(read_fd, False)
    proc = subprocess.Popen([sys.executable, "-c", program], stdout=write_fd)
    os.close(write_fd)
    try:
        reader = PipeReader(read_fd, store, resource, f"{resource}-x", "stdout")
        await asyncio.wait_for(reader.done, 60)
    finally:
        proc.kill()
        proc.wait()


def kept_bytes(store: LogStore, resource: str = "app") -> int:
    return sum(len(line.text) for line in store.lines(resource))


async def test_lines_of_a_megabyte_keep_at_most_the_byte_budget() -> None:
    store = LogStore()  # the defaults: 10,000 lines, 16 MiB, lines cut at 64 KiB
    await capture(store, "import sys\nfor i in range(300): sys.stdout.write(f'{i:04d}' + 'x' * (1 << 20) + '\\n')")
    lines = store.lines("app")
    assert kept_bytes(store) <= 16 * MIB  # not 300 MiB: GET logs returns no more than this
    assert all(len(line.text) <= 64 * 1024 + 100 for line in lines)
    assert lines[-1].text.startswith("0299xxx")  # the newest are the ones kept
    assert lines[-1].text.endswith("… [line truncated: 1,048,580 bytes]")


async def test_an_unterminated_line_of_32_mib_is_cut_with_a_marker_saying_how_long_it_was() -> None:
    store = LogStore()
    await capture(store, "import sys\nsys.stdout.write('y' * (32 << 20))")  # no newline, then EOF
    (line,) = store.lines("app")
    assert line.text == "y" * (64 * 1024) + "… [line truncated: 33,554,432 bytes]"


async def test_a_long_line_between_short_ones_is_cut_and_its_neighbours_are_whole() -> None:
    store = LogStore(max_line=1000)
    await capture(store, "print('before'); print('z' * 5000); print('after\\r')")
    assert [line.text for line in store.lines("app")] == [
        "before",
        "z" * 1000 + "… [line truncated: 5,000 bytes]",
        "after",
    ]


async def test_a_line_at_the_limit_is_kept_whole_and_one_byte_more_is_cut() -> None:
    store = LogStore(max_line=1000)
    await capture(store, "import sys\nsys.stdout.write('x\\n' + 'a' * 1000 + '\\n' + 'b' * 1001 + '\\ny\\n')")
    assert [line.text for line in store.lines("app")] == [
        "x",
        "a" * 1000,
        "b" * 1000 + "… [line truncated: 1,001 bytes]",
        "y",
    ]


async def test_a_line_cut_while_it_arrives_never_shows_part_of_a_secret() -> None:
    secret = "s3cr3t-t0ken-value"
    store = LogStore(max_line=100)
    store.redact([secret])
    read_fd, write_fd = os.pipe()
    os.set_blocking(read_fd, False)
    reader = PipeReader(read_fd, store, "app", "app-x", "stdout")
    try:
        # Written piece by piece, each read before the next is written, so the reader holds
        # the first 100 bytes of each line while the rest is still to come: the secret
        # straddles that cut in the first line and lies before it in the second.
        pieces = ("a" * 95 + secret[:10], secret[10:] + "b" * 4000, "b" * 1000 + "\n" + secret, "c" * 100)
        for piece in (*pieces, "c" * 100 + "\n"):
            os.write(write_fd, piece.encode())
            await drained(read_fd)
    finally:
        os.close(write_fd)
    await asyncio.wait_for(reader.done, 5)
    texts = [line.text for line in store.lines("app")]
    assert texts == [
        "a" * 95 + "… [line truncated: 5,113 bytes]",
        "***" + "c" * 82 + "… [line truncated: 218 bytes]",
    ]


def test_a_line_cut_whole_is_masked_before_it_is_cut() -> None:
    secret = "s3cr3t-t0ken-value"
    store = LogStore(max_line=100)
    store.redact([secret])
    store.append("app", "app-x", "stdout", ["short", "a" * 90 + secret + "b" * 500])
    assert [line.text for line in store.lines("app")] == [
        "short",
        "a" * 90 + "***" + "b" * 7 + "… [line truncated: 593 bytes]",
    ]


async def drained(fd: int) -> None:
    """Wait until the reader has read everything written to the pipe so far."""
    pending = bytearray(4)
    while True:
        fcntl.ioctl(fd, termios.FIONREAD, pending)
        if int.from_bytes(pending, sys.byteorder) == 0:
            return
        await asyncio.sleep(0.001)


def test_a_resource_keeps_its_byte_budget_and_always_its_newest_line() -> None:
    store = LogStore()
    store.configure("api", max_bytes=10_000)
    for i in range(50):
        store.append("api", "api-x", "stdout", [f"{i:02d}" + "." * 998, "short"])
    lines = store.lines("api")
    assert kept_bytes(store, "api") <= 10_000
    assert [line.text[:2] for line in lines][-2:] == ["49", "sh"]
    store.configure("api", max_bytes=10)  # smaller than one line: the newest stays
    assert [line.text for line in store.lines("api")] == ["short"]


async def test_a_slow_follower_holds_at_most_its_byte_budget_and_is_told_what_it_lost() -> None:
    store = LogStore()
    follower = store.follow("api")  # the default budgets
    first = asyncio.ensure_future(follower.__anext__())
    await asyncio.sleep(0)
    line = "f" * 60_000
    for _ in range(1000):  # 60 MB for a follower that does not read meanwhile
        store.append("api", "api-x", "stdout", [line])
    notice = await first
    assert notice.stream == "system" and "lines dropped" in notice.text
    dropped = int(notice.text.split()[1])
    assert dropped >= 1000 - (8 * MIB) // 60_000
    kept = 0
    while kept < 1000 - dropped:
        assert (await follower.__anext__()).text == line
        kept += 1
    await follower.aclose()
