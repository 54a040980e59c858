"""Publish time of the 100-resource model of ``publish_compose.py`` to a Helm chart, against
references measured in the same run.

- **publish kubernetes**: ``pyspire.publish.publish(..., "kubernetes", ...)`` of the built model
  into an empty folder — the plan, rendering every env and args, every template, ``values.yaml``,
  the Dockerfiles, and writing every file;
- **build** (reference): building the same model (``build()`` validates);
- **publish compose** (reference): the Compose target on the same plan, same run.

Prints the median of ``--runs`` interleaved runs of each and the ratios; the target is well under
a second.

    .venv/bin/python benchmarks/publish_kubernetes.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from publish_compose import build_model, make_folder  # noqa: E402  (the same model, not a copy)

from pyspire.app import DistributedApplication as App  # noqa: E402
from pyspire.publish import publish  # noqa: E402


def timed_publish(app: App, target: str, out: Path) -> tuple[float, int]:
    start = time.perf_counter()
    result = publish(app.model.resources, app.model.app_dir, target, out)
    return time.perf_counter() - start, len(result.written)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    charts: list[float] = []
    composes: list[float] = []
    builds: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "app"
        root.mkdir()
        make_folder(root)
        app = build_model(root)
        counted = [r for r in app.model.resources if not r.name.endswith(("-install", "-password"))]
        _, files = timed_publish(app, "kubernetes", Path(tmp) / "warm-up")  # imports out of the figures
        timed_publish(app, "compose", Path(tmp) / "warm-up-compose")
        for run in range(runs):
            start = time.perf_counter()
            build_model(root)
            builds.append(time.perf_counter() - start)
            charts.append(timed_publish(app, "kubernetes", Path(tmp) / f"chart-{run}")[0])
            composes.append(timed_publish(app, "compose", Path(tmp) / f"compose-{run}")[0])
    chart_s, compose_s, build_s = (statistics.median(x) for x in (charts, composes, builds))
    print(f"model: {len(counted)} resources declared ({len(app.model.resources)} with install steps and passwords), {files} chart files")
    print(f"publish kubernetes   {chart_s * 1000:8.1f} ms  (median of {runs}; target: well under 1000 ms)")
    print(f"publish compose (ref){compose_s * 1000:8.1f} ms")
    print(f"build (ref)          {build_s * 1000:8.1f} ms")
    print(f"kubernetes / compose {chart_s / compose_s:6.2f}")
    print(f"kubernetes / build   {chart_s / build_s:6.2f}")


if __name__ == "__main__":
    main()
