"""A custom health check may publish its resource's run-time outputs (``ctx.set_output``), as
a handler does: a consumer of the output waits for it, saying so, then starts with its value; a
secret output is masked in the producer's properties."""

from __future__ import annotations

from pyspire import DistributedApplication, testing
from pyspire.extensions import HealthCheckContext
from tests.conftest import APPS, PYTHON


async def test_an_output_set_by_a_health_check_reaches_the_consumer_that_waited_for_it(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    producer = b.add_executable("producer", PYTHON, APPS, "http_env.py").with_http_endpoint(env="PORT")
    checks: list[int] = []

    async def found_it(ctx: HealthCheckContext) -> str | None:
        checks.append(1)
        if len(checks) < 3:
            return "not yet"
        ctx.set_output("where", str(tmp_path / "found.txt"))
        ctx.set_output("token", "t0ps3cret-token", secret=True)
        return None

    producer.with_health_check(found_it, name="found").with_health_check_interval(unhealthy=0.05)
    dump = tmp_path / "env.json"
    (
        b.add_executable("consumer", PYTHON, APPS, "dump_env.py")
        .with_env("WHERE", producer.output("where"))
        .with_env("DUMP_TO", str(dump))
    )
    async with testing.start(b) as app:
        waiting = await app.wait_for_resource("consumer", "Waiting")
        assert waiting.state_message == "waiting for output 'where' of 'producer'"
        await app.wait_for_healthy("producer")
        await app.wait_for_log("consumer", "dumped")
        assert app.resource("consumer").env_dict()["WHERE"] == str(tmp_path / "found.txt")
        properties = dict(app.resource("producer").properties)
        assert properties["output.where"] == str(tmp_path / "found.txt")
        assert "t0ps3cret" not in properties["output.token"]
