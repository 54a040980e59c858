"""examples/shop deployed with ``pyspire deploy --target compose`` on the real podman, reached
through the host port asked for, then destroyed: nothing of its project is left."""

from __future__ import annotations

import json
import stat
import time
import urllib.request
from pathlib import Path

import pytest

from tests.deploy.helpers import REPO, free_port, image_exists, labelled, project_of, pyspire, stop_each

pytestmark = [pytest.mark.containers, pytest.mark.timeout(900)]



def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def test_the_deployed_shop_answers_on_its_host_port_stops_on_its_stop_signal_and_destroy_leaves_nothing_of_it(folder: Path) -> None:
    port = free_port()
    started = time.monotonic()
    done = pyspire("deploy", "--target", "compose", "-o", str(folder), "--port", f"frontend={port}", str(REPO / "examples" / "shop"))
    assert done.returncode == 0, done.stdout + done.stderr
    elapsed = time.monotonic() - started
    # the command returns once every service runs: the page is there at once, and it shows data
    # the frontend got from catalog and orders over the deployment's network
    page = get(f"http://127.0.0.1:{port}/")
    assert "<h1>Products</h1>" in page and "teapot" in page and "<h1>Orders</h1>" in page
    for service in ("catalog", "orders", "frontend", "worker"):
        assert service in done.stdout
    assert "running (2 replicas)" in done.stdout  # catalog's with_replicas(2)
    assert stat.S_IMODE((folder / ".env").stat().st_mode) == 0o600
    project = project_of(folder)
    images = json.loads((folder / "deployment.json").read_text())["images"]
    assert len(labelled(project)["containers"]) == 5 and all(image_exists(image) for image in images)
    print(f"deploy of examples/shop: {elapsed:.1f} s")
    # Python is PID 1 in its image: the generated STOPSIGNAL SIGINT stops it, no kill after the grace
    stopped = stop_each(project)
    assert len(stopped) == 5 and not [name for name, code in stopped.items() if code == 137], stopped

    gone = pyspire("destroy", "--target", "compose", "-o", str(folder))
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert labelled(project) == {"containers": [], "networks": [], "volumes": []}
    assert images and not any(image_exists(image) for image in images)
    again = pyspire("destroy", "--target", "compose", "-o", str(folder))
    assert again.returncode == 0 and "nothing to remove" in again.stdout
