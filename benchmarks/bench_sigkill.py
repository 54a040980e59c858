#!/usr/bin/env python3
"""SIGKILL an app host while its containers start, and count what survives it, by label.

An app host killed while ``podman run`` is in flight used to leave that container running: the
CLI call outlived its app host and created the container after the reaper's sweep. This driver
measures how often that happens. It is a measurement, not a test: the kills land wherever the
start-up happens to be, so the figure is a count over many trials (the deterministic test of the
mechanism is ``tests/containers/test_container_start_interrupted.py``).

Each trial writes an app host with two busybox containers (each joins the run's network) to a
temp dir, launches ``python -m pyspire.cli.main run apphost.py`` there, SIGKILLs it after a delay,
and ``--wait`` seconds (default 15) after the kill counts the containers (any state) and
networks labelled ``pyspire.dev/run=<run id>`` (the run id is the name of the run file the app
host wrote, or of the note its reaper left). Then it removes them, so every trial starts clean.
The delays are spread evenly over ``--from``..``--to`` times the start-up time measured first
(launch until "app started"), which covers the network and container creation.

Both variants run in the same session, alternately at each delay: **this checkout** and the
**reference**, the ``src/`` of ``--reference REV`` (default ``main``; ``none`` to skip), exported
with ``git archive`` into a temp dir and put first on ``PYTHONPATH``.

Usage: ``.venv/bin/python benchmarks/bench_sigkill.py [--trials 30] [--reference main]``
(about 5 s per trial and variant). Exits 1 when this checkout left anything.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from _common import REPO, clean_env, machine_note, median

RUN_LABEL = "pyspire.dev/run"
APPHOST = """\
from pyspire import DistributedApplication

b = DistributedApplication.create_builder()
for name in ("alpha", "beta"):
    (b.add_container(name, "localhost/pyspire-test/busybox:latest")
      .with_entrypoint("sh").with_args("-c", "exec httpd -f -p 80 -h /www")
      .with_http_endpoint(target_port=80).with_stop_grace_period(0))
b.build().run()
"""


@dataclass
class Trial:
    variant: str
    delay: float
    folder: Path
    killed_at: float = 0.0
    was_up: bool = False
    containers: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)


def podman(*args: str) -> list[str]:
    done = subprocess.run(["podman", *args], capture_output=True, text=True, check=False)
    return done.stdout.split()


def launch(folder: Path, src: Path, state_home: Path, log_name: str) -> subprocess.Popen[bytes]:
    env = clean_env(PYSPIRE_STATE_HOME=str(state_home), PYTHONPATH=str(src))
    with open(folder / log_name, "wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "pyspire.cli.main", "run", str(folder / "apphost.py"), "--no-color"],
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def start_up_seconds(root: Path, src: Path, state_home: Path) -> float:
    """Launch until "app started", then a clean Ctrl+C."""
    folder = Path(tempfile.mkdtemp(dir=root, prefix="calibrate-"))
    (folder / "apphost.py").write_text(APPHOST)
    began = time.monotonic()
    proc = launch(folder, src, state_home, "out.log")
    try:
        while "app started" not in (folder / "out.log").read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() - began > 60:
                raise SystemExit("the app host did not start:\n" + (folder / "out.log").read_text())
            time.sleep(0.005)
        return time.monotonic() - began
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)


def run_ids(folder: Path) -> list[str]:
    runs = folder / ".pyspire" / "runs"
    ids = {path.stem for path in runs.glob("*.json")}
    for note in runs.glob("*.swept"):
        try:
            ids.add(str(json.loads(note.read_text())["runId"]))
        except (OSError, ValueError, KeyError):
            ids.add(note.stem)
    return sorted(ids)


def kill_during_start_up(trial: Trial, src: Path, state_home: Path) -> None:
    (trial.folder / "apphost.py").write_text(APPHOST)
    began = time.monotonic()
    proc = launch(trial.folder, src, state_home, "out.log")
    time.sleep(max(0.0, began + trial.delay - time.monotonic()))
    proc.kill()
    proc.wait()
    trial.killed_at = time.monotonic()
    trial.was_up = "app started" in (trial.folder / "out.log").read_text(errors="replace")


def count_and_remove_survivors(trial: Trial) -> None:
    for run_id in run_ids(trial.folder):
        label = f"label={RUN_LABEL}={run_id}"
        containers = podman("ps", "-a", "--filter", label, "--format", "{{.Names}}")
        networks = podman("network", "ls", "--filter", label, "--format", "{{.Name}}")
        trial.containers += containers
        trial.networks += networks
        if containers:
            podman("rm", "-f", "-t", "0", *containers)
        if networks:
            podman("network", "rm", "-f", *networks)
    shutil.rmtree(trial.folder, ignore_errors=True)


def export_reference(rev: str, root: Path) -> Path:
    target = root / "reference"
    target.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev, "src"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target / "src"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=30, help="kills per variant")
    parser.add_argument("--wait", type=float, default=15.0, help="seconds after a kill before counting")
    parser.add_argument("--reference", default="main", help="git revision to compare with, or 'none'")
    parser.add_argument("--from", dest="start", type=float, default=0.45, help="first delay, × start-up time")
    parser.add_argument("--to", dest="end", type=float, default=1.05, help="last delay, × start-up time")
    args = parser.parse_args()
    if shutil.which("podman") is None:
        sys.exit("bench_sigkill: podman is not on PATH")
    print(machine_note())
    root = Path(tempfile.mkdtemp(prefix="pyspire-bench-sigkill-"))
    state_home = root / "state"
    variants = {"this checkout": REPO / "src"}
    if args.reference != "none":
        variants[f"reference ({args.reference})"] = export_reference(args.reference, root)
    try:
        up = median([start_up_seconds(root, REPO / "src", state_home) for _ in range(3)])
        step = (args.end - args.start) / max(1, args.trials - 1)
        delays = [up * (args.start + step * i) for i in range(args.trials)]
        print(f"start-up (launch → 'app started'): {up:.3f} s; kills from {delays[0]:.3f} s to {delays[-1]:.3f} s")
        trials: list[Trial] = []
        pending: list[Trial] = []
        for i, delay in enumerate(delays):
            order = list(variants.items())
            for variant, src in order if i % 2 == 0 else order[::-1]:
                folder = Path(tempfile.mkdtemp(dir=root, prefix=f"trial-{i:02d}-"))
                trial = Trial(variant, delay, folder)
                kill_during_start_up(trial, src, state_home)
                trials.append(trial)
                pending.append(trial)
                while pending and time.monotonic() - pending[0].killed_at >= args.wait:
                    count_and_remove_survivors(pending.pop(0))
        for trial in pending:
            time.sleep(max(0.0, trial.killed_at + args.wait - time.monotonic()))
            count_and_remove_survivors(trial)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"\n{'delay':>7}  {'variant':<24} {'up?':<4} survivors ({args.wait:g} s after the kill)")
    for trial in trials:
        left = trial.containers + [f"network {n}" for n in trial.networks]
        print(f"{trial.delay:6.3f}s  {trial.variant:<24} {'yes' if trial.was_up else 'no':<4} {', '.join(left) or '-'}")
    print()
    failed = False
    for variant in variants:
        mine = [t for t in trials if t.variant == variant]
        dirty = [t for t in mine if t.containers or t.networks]
        print(
            f"{variant:<24} {len(dirty)} of {len(mine)} kills left something: "
            f"{sum(len(t.containers) for t in mine)} container(s), {sum(len(t.networks) for t in mine)} network(s)"
        )
        failed |= variant == "this checkout" and bool(dirty)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
