"""Deploy-to-first-answer of ``examples/shop`` with ``pyspire deploy --target compose`` on podman,
against running the same containers by hand with podman, in the same run.

- **pyspire deploy**: from launching ``pyspire deploy --target compose -o DIR --port
  frontend=PORT examples/shop`` (interpreter start, publish, filling ``.env``, the four image
  builds from cache, podman-compose creating the project, the ordered start, waiting until every
  service runs) until ``GET /`` on the frontend's host port answers with the page (which asks
  catalog and orders over the project's network). Then ``pyspire destroy`` (not timed).
- **by hand** (reference): the same ``compose.yaml`` read back and run with plain podman: one
  ``podman build`` of the generated Dockerfile (from cache), ``podman network create``, one
  ``podman run -d`` per container (catalog twice) with the same environment, command and network
  alias, the frontend's port published; until the same ``GET /`` answers. Then removed.

The image layers are cached for both (a first deploy warms them), so this measures what pyspire
adds around the engine. Prints the median of ``--runs`` interleaved runs and ``deploy / by hand``.

    .venv/bin/python benchmarks/deploy_compose.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SHOP = REPO / "examples" / "shop"
ENV = {**os.environ, "PYTHONPATH": str(REPO / "src")}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def first_answer(port: int, deadline: float = 120.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                if b"<h1>Products</h1>" in response.read():
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"the frontend on port {port} never answered")


def pyspire(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pyspire", *args], env=ENV, capture_output=True, text=True, check=False)


def deploy_run(folder: Path) -> float:
    port = free_port()
    started = time.perf_counter()
    done = pyspire("deploy", "--target", "compose", "-o", str(folder), "--port", f"frontend={port}", str(SHOP))
    if done.returncode != 0:
        raise SystemExit(done.stdout + done.stderr)
    first_answer(port)
    elapsed = time.perf_counter() - started
    pyspire("destroy", "--target", "compose", "-o", str(folder))
    return elapsed


def podman(*args: str) -> None:
    subprocess.run(["podman", *args], capture_output=True, check=True)


def by_hand_run(published: Path) -> float:
    """The published compose.yaml run container by container with podman."""
    document = yaml.safe_load((published / "compose.yaml").read_text())
    tag = uuid.uuid4().hex[:8]
    image, network = f"localhost/pyspire-bench-shop-{tag}:latest", f"pyspire-bench-{tag}"
    names: list[str] = []
    port = free_port()
    started = time.perf_counter()
    try:
        build = document["services"]["catalog"]["build"]
        podman("build", "-q", "-t", image, "-f", str(published / build["dockerfile"]), str(published / build["context"]))
        podman("network", "create", network)
        for service, description in document["services"].items():
            for replica in range(int(description.get("deploy", {}).get("replicas", 1))):
                name = f"pyspire-bench-{tag}-{service}-{replica}"
                names.append(name)
                args = ["run", "-d", "--name", name, "--network", network, "--network-alias", service]
                for key, value in description.get("environment", {}).items():
                    args += ["-e", f"{key}={str(value).replace('${GREETING}', 'hello')}"]
                if service == "frontend":
                    args += ["-p", f"{port}:8080"]
                podman(*args, image, *description["command"])
        first_answer(port)
        return time.perf_counter() - started
    finally:
        for name in names:
            subprocess.run(["podman", "rm", "-f", "-t", "0", name], capture_output=True, check=False)
        subprocess.run(["podman", "network", "rm", network], capture_output=True, check=False)
        subprocess.run(["podman", "rmi", image], capture_output=True, check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    print(f"load average: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as scratch:
        folder, published = Path(scratch) / "deploy", Path(scratch) / "published"
        warm = pyspire("publish", "--target", "compose", "-o", str(published), str(SHOP))
        if warm.returncode != 0:
            raise SystemExit(warm.stderr)
        print(f"warm-up deploy (fills the build cache): {deploy_run(folder):.2f} s")
        deploys, hands = [], []
        for _ in range(runs):
            deploys.append(deploy_run(folder))
            hands.append(by_hand_run(published))
    deploy, hand = statistics.median(deploys), statistics.median(hands)
    print(f"pyspire deploy → first answer: median {deploy:.2f} s  (runs: {', '.join(f'{d:.2f}' for d in deploys)})")
    print(f"podman by hand → first answer: median {hand:.2f} s  (runs: {', '.join(f'{h:.2f}' for h in hands)})")
    print(f"deploy / by hand: {deploy / hand:.2f}")


if __name__ == "__main__":
    main()
