"""``with_stop_signal`` on a real container: created with ``--stop-signal``, so stopping it sends
that signal (a busybox ``trap`` logs which one arrived); the lifecycle key of a persistent
container includes it, so changing it recreates the container."""

from __future__ import annotations

import pytest

from pyspire import DistributedApplication, testing
from pyspire.orchestrator.container_spec import lifecycle_key
from pyspire.orchestrator.objects import CONTAINER
from tests.containers.helpers import podman, sh

pytestmark = pytest.mark.containers

#: PID 1 with a trap for each signal; ``sleep & wait`` so a trap runs at once, not after a sleep.
TRAPS = (
    "trap 'echo got INT; exit 0' INT; trap 'echo got TERM; exit 0' TERM; echo ready; "
    "while true; do sleep 0.2 & wait $!; done"
)


async def test_a_container_is_stopped_with_its_stop_signal(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    sh(b, "db", TRAPS).with_stop_signal("SIGINT").with_stop_grace_period(10).with_ready_log_line("ready")
    sh(b, "other", TRAPS).with_stop_grace_period(10).with_ready_log_line("ready")
    async with testing.start(b) as app:
        db = await app.wait_for_healthy("db")
        await app.wait_for_healthy("other")
        container_id = db.replicas[0].container_id
        [obj] = app.orchestrator.store.list(CONTAINER, {"pyspire.dev/resource": "db"})
        assert obj["spec"]["stopSignal"] == "SIGINT"
        assert podman("inspect", "--format", "{{.Config.StopSignal}}", container_id) in ("SIGINT", "2")
        for name in ("db", "other"):
            assert (await app.execute_command(name, "stop")).success
        await app.wait_for_log("db", "got INT")
        await app.wait_for_log("other", "got TERM")
        assert "got TERM" not in app.log_text("db")
        assert app.resource("db").exit_code == 0, "it ended by its trap, not by the kill after the grace"


def test_the_stop_signal_is_part_of_a_persistent_containers_lifecycle_key():
    without = {"image": "busybox", "args": ["-c", TRAPS]}
    with_int = {**without, "stopSignal": "SIGINT"}
    assert lifecycle_key(with_int, "id") != lifecycle_key(without, "id"), "changing it recreates"
    assert lifecycle_key(without, "id") == lifecycle_key({**without, "stopSignal": None}, "id"), (
        "a container created before stop signals existed keeps its key"
    )
