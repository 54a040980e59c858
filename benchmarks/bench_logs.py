#!/usr/bin/env python3
"""Benchmark pyspire's output capture: a process printing 1,000,000 lines as fast as it can.

The producer is a Python loop of ``print(f"line {i} ...")`` (about 70 bytes a line). It runs:

* **reference**: ``python producer.py N > file``, no pyspire;
* **under pyspire**, as the single executable of an app host in a temp dir, measured from launch
  until the resource is *Finished* (pyspire has read, split, stored and shown every line):

  - ``pyspire run > file``: a subprocess, resource output printed (prefixed) into a file; Finished
    is seen when pyspire prints "producer Finished" at the end of that file;
  - ``pyspire run | bench``: the same, its stdout a pipe the bench reads and throws away (stands in
    for ``> /dev/null``: the bench needs the pipe to see the Finished line);
  - ``pyspire run --no-resource-output``: lines are captured into the ring buffer only;
  - ``testing.start`` (in a fresh child process, timed from entering ``pyspire.testing.start``, so
    the interpreter start and imports of the two subprocess variants above are not in it):
    captured only, nothing printed.

**Buffering, and why it gets two columns.** A Python child whose stdout is a pipe or a file
block-buffers it (8 KiB per ``write``). pyspire sets ``PYTHONUNBUFFERED=1`` for every app of the
Python integration (``add_python_app`` here; ``integrations/python/process_env.py``) so their log
lines show up at once; then every
``print`` is written straight away (two ``write`` calls: the text, then the newline), which makes
the producer itself several times slower whatever reads the pipe. ``with_env`` is applied after
that default, so ``.with_env("PYTHONUNBUFFERED", "")`` gives the child an *empty* value, which
Python treats as unset: default block buffering. Each figure is therefore measured twice, and
compared with the reference run the same way:

* ``unbuffered``: pyspire's default vs ``PYTHONUNBUFFERED=1 python producer.py > file``;
* ``buffered``: ``.with_env("PYTHONUNBUFFERED", "")`` vs ``python producer.py > file`` (unset).

The ratio ``pyspire / reference`` (target ≤ 1.5×) is printed for each, whole processes included
(pyspire's own start-up, about 0.2-0.3 s, is in the subprocess figures; an empty producer's run is
measured too so the start-up can be told apart). The app host's peak RSS (``VmHWM``) shows memory
stays bounded however many lines go through: the ring buffer keeps 10,000 lines (and at most
16 MiB) per resource. ``bench_long_line.py`` measures the other extreme: one line of 200 MiB.

Usage: ``.venv/bin/python benchmarks/bench_logs.py [--lines 1000000] [--runs 3]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from _common import clean_env, machine_note, median, pyspire_command, vm_hwm_kib

TARGET_RATIO = 1.5
DEADLINE_SECONDS = 120.0
MARKER = b"Finished"  # the state line, or the summary row if it finished before the summary

PRODUCER = """\
import sys

for i in range(int(sys.argv[1])):
    print(f"line {i} lorem ipsum dolor sit amet, consectetur adipiscing elit")
"""

APPHOST = '''\
"""One Python app printing BENCH_LINES lines; BENCH_BUFFERED=1 restores Python's default buffering."""
import os
import sys

from pyspire import DistributedApplication

builder = DistributedApplication.create_builder()
producer = builder.add_python_app("producer", ".", "producer.py", os.environ["BENCH_LINES"]).with_virtual_environment(
    sys.prefix
)
if os.environ.get("BENCH_BUFFERED") == "1":
    producer.with_env("PYTHONUNBUFFERED", "")  # empty = unset for Python: block buffering
builder.build().run()
'''

MODES = {"unbuffered": False, "buffered": True}


@dataclass
class Result:
    seconds: float
    peak_rss_kib: int | None = None
    note: str = ""


# -- reference ----------------------------------------------------------------------------------


def run_reference(workdir: Path, lines: int, buffered: bool, to_file: bool = True) -> Result:
    env = clean_env() if buffered else clean_env(PYTHONUNBUFFERED="1")
    out_path = workdir / "reference.out" if to_file else Path(os.devnull)
    with open(out_path, "wb") as out:
        start = time.monotonic()
        subprocess.run(
            [sys.executable, "producer.py", str(lines)], cwd=workdir, env=env, stdout=out, check=True
        )
        elapsed = time.monotonic() - start
    if not to_file:
        return Result(elapsed)
    written = _count_lines(out_path)
    out_path.unlink()
    return Result(elapsed, note="" if written == lines else f"wrote {written} lines, not {lines}")


def _count_lines(path: Path) -> int:
    count = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            count += chunk.count(b"\n")
    return count


# -- pyspire run as a subprocess ----------------------------------------------------------------


def _launch(
    workdir: Path, lines: int, buffered: bool, extra: list[str], stdout: int | IO[bytes]
) -> subprocess.Popen[bytes]:
    env = clean_env(BENCH_LINES=str(lines), BENCH_BUFFERED="1" if buffered else "0")
    return subprocess.Popen(
        [*pyspire_command(), "run", str(workdir / "apphost.py"), "--no-color", *extra],
        cwd=workdir,
        env=env,
        stdout=stdout,
        stderr=subprocess.DEVNULL,
    )


def _stop(proc: subprocess.Popen[bytes]) -> str:
    proc.send_signal(signal.SIGINT)
    try:
        code = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return "pyspire did not exit within 30 s of SIGINT"
    return "" if code == 0 else f"pyspire exited with code {code}"


def run_pyspire_to_file(workdir: Path, lines: int, buffered: bool) -> Result:
    """``pyspire run apphost.py > file``; Finished is the last line pyspire writes there."""
    out_path = workdir / "pyspire.out"
    with open(out_path, "wb") as out:
        start = time.monotonic()
        proc = _launch(workdir, lines, buffered, [], out)
        deadline = start + DEADLINE_SECONDS
        with open(out_path, "rb") as tail:
            while True:
                size = os.fstat(tail.fileno()).st_size
                tail.seek(max(0, size - 4096))
                if MARKER in tail.read():
                    break
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    raise RuntimeError("pyspire ended or timed out before the producer finished")
                time.sleep(0.005)  # polls only the file's last 4 KiB: no competition for the CPU
        elapsed = time.monotonic() - start
        peak = vm_hwm_kib(proc.pid)
        note = _stop(proc)
    printed = _count_lines(out_path)
    out_path.unlink()
    # Besides the producer's lines the file holds the summary and a few pyspire messages.
    if printed < lines:
        note = (note + "; " if note else "") + f"only {printed} lines in the file for {lines} produced"
    return Result(elapsed, peak, note)


def _read_until_marker(proc: subprocess.Popen[bytes], found: threading.Event) -> None:
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    tail = b""
    while chunk := os.read(fd, 1 << 20):
        if not found.is_set() and MARKER in tail + chunk:
            found.set()
        tail = chunk[-len(MARKER) :]
    found.set()


def run_pyspire_to_pipe(workdir: Path, lines: int, buffered: bool, no_output: bool) -> Result:
    """``pyspire run apphost.py [--no-resource-output] | bench``: the bench discards what it reads."""
    start = time.monotonic()
    proc = _launch(workdir, lines, buffered, ["--no-resource-output"] if no_output else [], subprocess.PIPE)
    found = threading.Event()
    reader = threading.Thread(target=_read_until_marker, args=(proc, found), daemon=True)
    reader.start()
    if not found.wait(DEADLINE_SECONDS) or proc.poll() is not None:
        proc.kill()
        raise RuntimeError("pyspire ended or timed out before the producer finished")
    elapsed = time.monotonic() - start
    peak = vm_hwm_kib(proc.pid)
    note = _stop(proc)
    reader.join(5)
    return Result(elapsed, peak, note)


# -- pyspire.testing in a fresh child process ---------------------------------------------------


def run_testing_child(workdir: Path, lines: int, buffered: bool) -> Result:
    env = clean_env(BENCH_LINES=str(lines), BENCH_BUFFERED="1" if buffered else "0")
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(workdir / "apphost.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=DEADLINE_SECONDS,
    )
    if result.returncode != 0:
        raise RuntimeError(f"testing child failed:\n{result.stderr}")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    return Result(report["seconds"], report["peak_rss_kib"], report["note"])


def child_main(apphost: str) -> None:
    """Runs in the child: start the app with pyspire.testing, wait for Finished, report as JSON."""
    import pyspire.testing

    lines = int(os.environ["BENCH_LINES"])

    async def measure() -> dict[str, object]:
        start = time.monotonic()
        async with pyspire.testing.start(apphost) as app:
            snap = await app.wait_for_resource("producer", "Finished", timeout=DEADLINE_SECONDS)
            elapsed = time.monotonic() - start
            kept = app.logs("producer")
            output = [line for line in kept if line.stream == "stdout"]
            expected_last = f"line {lines - 1} " if lines else None
            note = []
            if snap.exit_code != 0:
                note.append(f"exit code {snap.exit_code}")
            if lines and (not output or not output[-1].text.startswith(expected_last or "")):
                note.append(f"last line kept is {output[-1].text if output else None!r}")
            note.append(f"{len(kept)} lines kept in the ring buffer")
        return {"seconds": elapsed, "peak_rss_kib": vm_hwm_kib(os.getpid()), "note": "; ".join(note)}

    print(json.dumps(asyncio.run(measure())))


# -- main ---------------------------------------------------------------------------------------


def _fmt_rss(kib: int | None) -> str:
    return f"{kib / 1024:6.1f} MiB" if kib else "       ?"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=1_000_000, help="lines the producer prints")
    parser.add_argument("--runs", type=int, default=3, help="runs of each variant (median shown)")
    parser.add_argument("--child", metavar="APPHOST", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child_main(options.child)
        return 0

    print(f"bench_logs: {machine_note()}")
    print(
        f"producer: {options.lines:,} lines of ~70 bytes, print() in a loop; median of {options.runs} runs\n"
    )
    workdir = Path(tempfile.mkdtemp(prefix="pyspire-bench-logs-"))
    (workdir / "producer.py").write_text(PRODUCER)
    (workdir / "apphost.py").write_text(APPHOST)

    variants: dict[str, Callable[[int, bool], Result]] = {
        "reference: python > file": lambda n, b: run_reference(workdir, n, b),
        "(producer alone: > /dev/null)": lambda n, b: run_reference(workdir, n, b, to_file=False),
        "pyspire run > file": lambda n, b: run_pyspire_to_file(workdir, n, b),
        "pyspire run | bench (~/dev/null)": lambda n, b: run_pyspire_to_pipe(workdir, n, b, False),
        "pyspire run --no-resource-output": lambda n, b: run_pyspire_to_pipe(workdir, n, b, True),
        "testing.start (in-process)": lambda n, b: run_testing_child(workdir, n, b),
    }
    results: dict[tuple[str, str, int], list[Result]] = {}
    problems: list[str] = []
    # Interleave everything, so drift on the machine (other work, thermal) hits all alike.
    for run in range(options.runs):
        for lines in (0, options.lines):
            for mode, buffered in MODES.items():
                for name, variant in variants.items():
                    result = variant(lines, buffered)
                    results.setdefault((name, mode, lines), []).append(result)
                    if result.note and "ring buffer" not in result.note:
                        problems.append(f"{name} [{mode}, {lines} lines]: {result.note}")
        print(f"  run {run + 1} of {options.runs} done")

    def med(name: str, mode: str, lines: int) -> float:
        return median([r.seconds for r in results[(name, mode, lines)]])

    def peak(name: str, mode: str, lines: int) -> int | None:
        values = [r.peak_rss_kib for r in results[(name, mode, lines)] if r.peak_rss_kib]
        return max(values) if values else None

    reference = "reference: python > file"
    for mode in MODES:
        ref = med(reference, mode, options.lines)
        ref_empty = med(reference, mode, 0)
        setting = (
            "PYTHONUNBUFFERED=1 (pyspire's default; reference run with PYTHONUNBUFFERED=1)"
            if mode == "unbuffered"
            else 'block-buffered: .with_env("PYTHONUNBUFFERED", "") (reference run with it unset)'
        )
        print(f"\n{mode}: {setting}")
        print(
            f"  {'variant':34s} {options.lines:>9,} lines   0 lines   lines only   ratio   net ratio   peak RSS"
        )
        for name in variants:
            full = med(name, mode, options.lines)
            empty = med(name, mode, 0)
            ratio = full / ref
            net = (full - empty) / (ref - ref_empty) if ref > ref_empty else float("nan")
            line = f"  {name:34s} {full:10.3f} s {empty:7.3f} s {full - empty:9.3f} s"
            if name == reference or name.startswith("("):
                print(line)
                continue
            mark = "" if ratio <= TARGET_RATIO else "  (over 1.5x)"
            rss = f"{_fmt_rss(peak(name, mode, 0))} -> {_fmt_rss(peak(name, mode, options.lines))}"
            print(f"{line} {ratio:6.2f}x {net:8.2f}x   {rss}{mark}")
    print(
        "\n  ratio: whole run under pyspire / reference (target <= 1.5x). net ratio: the same with an"
        "\n  empty producer's run subtracted from both (pyspire's start-up, interpreter starts), i.e."
        "\n  the cost of the lines alone. peak RSS: the app host's VmHWM with 0 lines -> with every line."
        "\n  Unbuffered, the producer makes 2 write() calls per line, and a write to a file costs more than"
        "\n  one to pyspire's pipe: pyspire can beat '> file' there. Buffered, the producer is fast and the"
        "\n  app host's work per line (decode, split, ring buffer, console) is what shows. On 2 cores the"
        "\n  producer, the app host and (for '| bench') the bench's reader share the CPUs."
    )
    in_process = results[("testing.start (in-process)", "buffered", options.lines)][-1].note
    print(f"  testing.start check: {in_process}")
    if problems:
        print("\nproblems:\n  " + "\n  ".join(problems))
    shutil.rmtree(workdir, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
