"""examples/orders deployed on the real podman: PostgreSQL and Redis healthy, the migration
completed before the API starts, an order placed through the Express frontend's host port stored
in PostgreSQL and fulfilled by the RQ worker; destroy removes its data volumes too."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

import pytest

from tests.deploy.helpers import REPO, free_port, labelled, project_of, pyspire, stop_each

pytestmark = [pytest.mark.containers, pytest.mark.timeout(1200)]



def call(url: str, body: dict[str, object] | None = None) -> object:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=15) as response:
        return json.load(response)


def test_an_order_placed_through_the_deployed_frontend_is_stored_and_fulfilled_and_every_service_stops_on_its_signal(folder: Path) -> None:
    port = free_port()
    done = pyspire("deploy", "--target", "compose", "-o", str(folder), "--port", f"frontend={port}", str(REPO / "examples" / "orders"))
    assert done.returncode == 0, done.stdout + done.stderr
    for line in ("pg        healthy", "cache     healthy", "migrate   completed", "api       healthy (2 replicas)"):
        assert line in done.stdout
    # it returns once the port it was given answers, not merely once the frontend's process runs
    assert f"answering on localhost:{port}" in done.stdout
    env_text = (folder / ".env").read_text()
    password = next(line.split("=", 1)[1] for line in env_text.splitlines() if line.startswith("PG_PASSWORD="))
    assert password and password not in done.stdout + done.stderr  # generated for the deployment, never printed

    placed = call(f"http://127.0.0.1:{port}/api/orders", {"item": "teapot", "quantity": 2})
    assert isinstance(placed, dict) and placed["status"] == "pending"
    deadline = time.monotonic() + 60
    order: object = None
    while time.monotonic() < deadline:
        order = call(f"http://127.0.0.1:{port}/api/orders/{placed['id']}")
        if isinstance(order, dict) and order["status"] == "fulfilled":
            break
        time.sleep(0.5)
    assert isinstance(order, dict) and order["status"] == "fulfilled" and order["item"] == "teapot"

    project = project_of(folder)
    assert len(labelled(project)["volumes"]) == 2  # pg-data, cache-data
    # Node (the frontend) under the engine's init, Python with SIGINT: none waits out the grace and is killed
    stopped = stop_each(project)
    assert any("frontend" in name for name in stopped) and not [name for name, code in stopped.items() if code == 137], stopped
    gone = pyspire("destroy", "--target", "compose", "-o", str(folder))
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert labelled(project) == {"containers": [], "networks": [], "volumes": []}
