"""Shutdown order across kinds: a database container receives its stop signal only once the
process that references it has exited. Both append to one journal file (the container through a
bind mount), so the order of its lines is the order things happened."""

from __future__ import annotations

import pytest

from pyspire import DistributedApplication, testing
from tests.conftest import PYTHON
from tests.containers.helpers import sh

pytestmark = pytest.mark.containers

DB = (
    "trap 'echo db-term >> /journal/lines; exit 0' INT TERM; echo ready; "
    "while true; do sleep 0.2 & wait $!; done"
)
API = """
import signal, sys, time
def on_term(signum, frame):
    time.sleep(0.5)  # drains its requests, still using the database
    with open(sys.argv[1], 'a') as f:
        f.write('api-exit\\n')
    sys.exit(0)
signal.signal(signal.SIGTERM, on_term)
print('ready', flush=True)
while True:
    time.sleep(0.05)
"""


async def test_a_database_container_is_stopped_after_the_process_that_references_it(tmp_path):
    journal = tmp_path / "journal"
    journal.mkdir()
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    db = (
        sh(b, "db", DB)
        .with_bind_mount(str(journal), "/journal")
        .with_stop_signal("SIGINT")
        .with_stop_grace_period(10)
        .with_ready_log_line("ready")
        .with_connection_string("postgresql://db/orders")
    )
    (
        b.add_executable("api", PYTHON, ".", "-c", API, str(journal / "lines"))
        .with_reference(db)
        .with_ready_log_line("ready")
    )
    async with testing.start(b) as app:
        await app.wait_for_healthy("db")
        await app.wait_for_healthy("api")
    assert (journal / "lines").read_text().split() == ["api-exit", "db-term"]
