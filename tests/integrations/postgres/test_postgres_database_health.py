"""A database's health follows its server: Unhealthy while the server is stopped, Healthy again
once it is back — created again when the server came back without it (no data volume)."""

from __future__ import annotations

import pytest

from pyspire import DistributedApplication, testing
from pyspire.integrations.postgres import database
from pyspire.states import HealthStatus
from tests.conftest import until
from tests.integrations.postgres.helpers import POSTGRES

pytestmark = pytest.mark.containers


async def test_a_database_is_unhealthy_while_its_server_is_stopped_and_recreated_when_it_returns_empty(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(database, "HEALTHY_INTERVAL", 0.2)  # the default (5 s) is for real apps
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_postgres("pg").with_image(POSTGRES).add_database("orders")
    async with testing.start(b) as app:
        await app.wait_for_healthy("orders", timeout=60)
        assert (await app.execute_command("pg", "stop")).success
        await until(app, "orders", lambda s: s.health_status == HealthStatus.UNHEALTHY, timeout=30)

        assert (await app.execute_command("pg", "start")).success
        await app.wait_for_log("orders", "created database 'orders' again", timeout=60)
        await until(app, "orders", lambda s: s.health_status == HealthStatus.HEALTHY, timeout=30)
