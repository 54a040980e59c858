"""When the app host stops, dependents end before what they depend on (waits, references,
children on their parent); independent resources stop in parallel; a dependent that ignores its
stop signal holds its dependency back only for its grace period. The order is read from a file
the real processes write when they receive SIGTERM and when they exit."""

from __future__ import annotations

from pathlib import Path

from pyspire import DistributedApplication, expr, testing
from pyspire.executor.shutdown_order import StopOrder, dependencies_of
from tests.conftest import PYTHON

#: Appends "<name> term <t>" when SIGTERM arrives and "<name> exit <t>" when it leaves (after
#: DRAIN seconds, or never with IGNORE set), t from CLOCK_MONOTONIC, shared by every process.
RECORDS = """
import os, signal, sys, time
name, journal = sys.argv[1], sys.argv[2]
def note(what):
    with open(journal, 'a') as f:
        f.write(f'{name} {what} {time.monotonic()}\\n')
def on_term(signum, frame):
    note('term')
    if os.environ.get('IGNORE'):
        return
    time.sleep(float(os.environ.get('DRAIN', '0')))
    note('exit')
    sys.exit(0)
signal.signal(signal.SIGTERM, on_term)
print('ready', flush=True)
while True:
    time.sleep(0.05)
"""


def recorder(b, name: str, journal: Path, drain: float = 0.0):
    return (
        b.add_executable(name, PYTHON, ".", "-c", RECORDS, name, str(journal))
        .with_env("DRAIN", str(drain))
        .with_ready_log_line("ready")
        .with_stop_grace_period(10)
    )


def read(journal: Path) -> dict[str, float]:
    """"name what" → when."""
    moments: dict[str, float] = {}
    for line in journal.read_text().splitlines():
        name, what, when = line.split()
        moments[f"{name} {what}"] = float(when)
    return moments


async def test_an_api_has_ended_before_its_database_receives_sigterm(tmp_path):
    journal = tmp_path / "journal"
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    db = recorder(b, "db", journal).with_connection_string("postgresql://localhost/orders")
    recorder(b, "api", journal, drain=1.0).with_reference(db).wait_for(db)
    recorder(b, "cron", journal)  # depends on nothing: stops at once, beside the api
    async with testing.start(b) as app:
        for name in ("db", "api", "cron"):
            await app.wait_for_healthy(name)
    at = read(journal)
    assert at["api exit"] <= at["db term"], at
    assert at["cron term"] < at["api exit"], f"an independent resource does not wait: {at}"


async def test_a_chain_of_three_stops_from_the_end_children_before_their_parent(tmp_path):
    journal = tmp_path / "journal"
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    store = recorder(b, "store", journal, drain=0.2)
    server = recorder(b, "server", journal, drain=0.2).wait_for(store)
    recorder(b, "server-exporter", journal, drain=0.2).with_parent(server)
    async with testing.start(b) as app:
        for name in ("store", "server", "server-exporter"):
            await app.wait_for_healthy(name)
    at = read(journal)
    assert at["server-exporter exit"] <= at["server term"], at
    assert at["server exit"] <= at["store term"], at


async def test_a_dependent_that_ignores_sigterm_is_killed_after_its_grace_then_the_dependency_stops(tmp_path):
    journal = tmp_path / "journal"
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    db = recorder(b, "db", journal)
    recorder(b, "api", journal).wait_for(db).with_env("IGNORE", "1").with_stop_grace_period(1.5)
    async with testing.start(b) as app:
        await app.wait_for_healthy("api")
    at = read(journal)
    assert "api exit" not in at
    assert at["db term"] - at["api term"] >= 1.0, f"the db stopped before the api's grace was over: {at}"
    assert app.resource("api").exit_code == -9
    assert "killed by SIGKILL" in app.log_text("api")


def test_resources_in_a_reference_cycle_stop_together_after_what_depends_on_them(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    a = b.add_executable("a", PYTHON, ".").with_connection_string("a://")
    c = b.add_executable("c", PYTHON, ".").with_connection_string("c://").with_reference(a)
    a.with_reference(c)
    b.add_executable("client", PYTHON, ".").with_reference(a)
    order = StopOrder(b.resources)
    steps = {frozenset(s) for s in order.steps}
    assert steps == {frozenset({"a", "c"}), frozenset({"client"})}
    client = order.steps.index(frozenset({"client"}))
    cycle = order.steps.index(frozenset({"a", "c"}))
    assert order.needs[client] == {cycle} and order.dependents[cycle] == 1


def test_an_endpoint_or_output_of_another_resource_in_env_args_or_a_connection_string_orders_the_stop(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    api = b.add_executable("api", PYTHON, ".").with_http_endpoint(env="PORT")
    vault = b.add_executable("vault", PYTHON, ".")
    web = b.add_executable("web", PYTHON, ".").with_env("API_URL", expr("http://", api.get_endpoint("http").host, "/"))
    cli = b.add_executable("cli", PYTHON, ".").with_args("--token", vault.output("token"))
    assert dependencies_of(web.resource) == {"api"}
    assert dependencies_of(cli.resource) == {"vault"}
    assert dependencies_of(api.resource) == set(), "its own endpoint in its env is no dependency"
