"""The orders example (examples/orders) run through pyspire as a user runs it: real PostgreSQL and
Redis containers, an alembic migration, FastAPI on uvicorn with two replicas, an RQ worker and an
Express frontend, all from the integrations — no plumbing in its apphost.py.

The example is copied to a temporary folder first (its venv, node_modules and data volumes are
then the test's own); the first start installs the venv and node_modules for real (pip and npm,
from their caches once warm), the second finds nothing to install.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pyspire import testing
from tests.containers.helpers import podman

pytestmark = [pytest.mark.containers, pytest.mark.slow, pytest.mark.timeout(900)]

EXAMPLE = Path(__file__).parents[2] / "examples" / "orders"
#: The first start installs the api's venv (fastapi, uvicorn, SQLAlchemy, psycopg, RQ, alembic)
#: and the frontend's node_modules: minutes on a machine with cold caches.
FIRST_START = 600


@pytest.fixture(scope="module")
def orders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the example; its data volumes are removed (by name) when the module ends."""
    folder = tmp_path_factory.mktemp("example") / "orders"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns(".venv", "node_modules", ".pyspire", "__pycache__"))
    yield folder
    for volume in podman("volume", "ls", "--format", "{{.Name}}").split():
        if volume.startswith("orders-") and volume.endswith("-data") and _belongs_to(volume, folder):
            podman("volume", "rm", "-f", volume)


def _belongs_to(volume: str, folder: Path) -> bool:
    import hashlib

    return hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:10] in volume


async def _until(predicate, timeout: float, what: str):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await predicate()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


async def _fulfilled(client: httpx.AsyncClient, url: str) -> dict | None:
    reply = await client.get(url)
    body = reply.json() if reply.status_code == 200 else {}
    return body if body.get("status") == "fulfilled" else None


async def test_an_order_placed_through_the_frontend_is_stored_by_the_api_and_fulfilled_by_the_worker(orders):
    async with testing.start(orders / "apphost.py") as app:
        await app.wait_for_healthy("api", timeout=FIRST_START)
        await app.wait_for_resource("frontend", timeout=120)
        frontend = app.endpoint_url("frontend")
        api = app.endpoint_url("api")
        async with httpx.AsyncClient(timeout=10) as client:
            page = await _until(lambda: _page(client, frontend), 60, "the frontend's page")
            assert "<html" in page.lower()
            placed = await client.post(f"{frontend}/api/orders", json={"item": "teapot", "quantity": 2})
            assert placed.status_code == 201, placed.text
            order = placed.json()
            assert order["status"] == "pending"
            done = await _until(lambda: _fulfilled(client, f"{api}/orders/{order['id']}"), 60, "the worker")
            assert (done["item"], done["quantity"]) == ("teapot", 2)
            # Both replicas of the api answer behind its one proxy port (a layer-4 proxy picks a
            # replica per connection: each request on a connection of its own).
            replicas = set()
            for _ in range(40):
                reply = await client.get(f"{api}/whoami", headers={"Connection": "close"})
                replicas.add(reply.json()["replica"])
                if len(replicas) == 2:
                    break
            assert len(replicas) == 2, replicas


async def _page(client: httpx.AsyncClient, url: str) -> str | None:
    try:
        reply = await client.get(url)
    except httpx.TransportError:
        return None
    return reply.text if reply.status_code == 200 else None


async def test_orders_survive_a_restart_of_postgres_in_its_data_volume(orders):
    async with testing.start(orders / "apphost.py") as app:
        await app.wait_for_healthy("api", timeout=FIRST_START)
        api = app.endpoint_url("api")
        async with httpx.AsyncClient(timeout=10) as client:
            placed = (await client.post(f"{api}/orders", json={"item": "kettle", "quantity": 1})).json()
            await _until(lambda: _fulfilled(client, f"{api}/orders/{placed['id']}"), 60, "the worker")
            result = await app.execute_command("pg", "restart")
            assert result.success, result.message
            await app.wait_for_healthy("pg", timeout=120)
            await app.wait_for_healthy("orders", timeout=120)
            kept = await _until(lambda: _fulfilled(client, f"{api}/orders/{placed['id']}"), 60, "the api after the restart")
            assert kept["item"] == "kettle"


async def test_the_second_start_skips_the_installers_that_have_nothing_to_do(orders):
    # Run once so that the venv and node_modules exist whatever ran before, then start again.
    for _ in range(2):
        async with testing.start(orders / "apphost.py") as app:
            await app.wait_for_healthy("api", timeout=FIRST_START)
            await app.wait_for_resource("frontend", timeout=120)
            installers = {name: app.resource(name) for name in ("migrate-install", "frontend-install")}
    for name, snapshot in installers.items():
        assert snapshot.state == "Finished" and snapshot.exit_code == 0, (name, snapshot.state)
        assert (snapshot.state_message or "").startswith("up to date"), (name, snapshot.state_message)
