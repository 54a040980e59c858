"""The server is healthy only once it accepts a real login — not when its port opens (the proxy
accepts connections at once) — and it is stopped with postgres' fast shutdown."""

from __future__ import annotations

import asyncio

import pytest

from pyspire import DistributedApplication, testing
from pyspire.states import HealthStatus, ResourceState
from tests.conftest import until
from tests.integrations.postgres.helpers import POSTGRES, data_volume_of, kept_password

pytestmark = pytest.mark.containers

#: An init file that holds the server in its initialisation (a Unix-socket-only server) until
#: the test opens the gate.
GATE = 'echo "holding at the gate"; while [ ! -e /gate/open ]; do sleep 0.05; done\n'


async def test_the_server_is_not_healthy_until_it_accepts_a_real_login(tmp_path):
    (tmp_path / "init").mkdir()
    (tmp_path / "init" / "00-gate.sh").write_text(GATE)
    (tmp_path / "gate").mkdir()
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    pg = b.add_postgres("pg").with_image(POSTGRES).with_init_files("./init")
    pg.with_bind_mount("./gate", "/gate", read_only=True)
    async with testing.start(b) as app:
        await app.wait_for_log("pg", "holding at the gate", timeout=60)
        host, port = app.endpoint_url("pg", "tcp").removeprefix("tcp://").rsplit(":", 1)
        _, writer = await asyncio.open_connection(host, int(port))  # a TCP check would pass now
        writer.close()
        snapshot = app.resource("pg")
        assert snapshot.state == ResourceState.RUNNING
        assert snapshot.health_status != HealthStatus.HEALTHY
        assert any("no login yet" in (report.description or "") for report in snapshot.health_reports)

        (tmp_path / "gate" / "open").touch()
        await app.wait_for_healthy("pg", timeout=60)


async def test_stopping_the_server_asks_postgres_for_a_fast_shutdown(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_postgres("pg").with_image(POSTGRES)
    async with testing.start(b) as app:
        await app.wait_for_healthy("pg", timeout=60)
        assert (await app.execute_command("pg", "stop")).success
        await app.wait_for_log("pg", "received fast shutdown request", timeout=30)


async def test_a_password_the_data_was_not_created_with_keeps_the_server_unhealthy_and_says_why(
    tmp_path, volumes, monkeypatch
):
    def model():
        b = DistributedApplication.create_builder(app_dir=tmp_path)
        b.add_postgres("pg").with_image(POSTGRES).with_data_volume()
        return b

    first = model()
    volumes.append(data_volume_of(first))
    async with testing.start(first) as app:
        await app.wait_for_healthy("pg", timeout=60)
    monkeypatch.setenv("Parameters__pg-password", "not-" + kept_password(tmp_path))
    async with testing.start(model()) as app:
        await app.wait_for_log("pg", "ready to accept connections", timeout=60)

        def refused(snapshot) -> bool:
            return any("password authentication failed" in (r.description or "") for r in snapshot.health_reports)

        snapshot = await until(app, "pg", refused, timeout=30)
        assert snapshot.state == ResourceState.RUNNING and snapshot.health_status == HealthStatus.UNHEALTHY
        (report,) = snapshot.health_reports
        assert "supply that one as parameter pg-password, or remove the volume" in report.description
