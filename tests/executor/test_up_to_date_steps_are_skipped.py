"""A run-to-completion step that says it is up to date (an installer whose inputs did not change)
starts no process: it ends Finished with exit code 0 and its reason, what waits for its completion
starts at once, ``ResourceStopped(Finished, 0)`` is dispatched — and the ``start`` command asks
again. Real processes: the step writes a stamp file, its ``up_to_date`` reads it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import ClassVar

from pyspire import DistributedApplication, testing
from pyspire.errors import ConfigurationError
from pyspire.model import ExecutableBuilder, ExecutableResource
from tests.conftest import PYTHON
from tests.extensions.test_an_integration_built_on_the_extension_api import pyspire_cli

WRITE_STAMP = "import pathlib, sys; pathlib.Path(sys.argv[1]).write_text('installed'); print('installed', flush=True)"
IDLE = "print('app up', flush=True); import time; time.sleep(3600)"


class StampedStep(ExecutableResource):
    """An installer-like step: up to date once its stamp exists (the process writes it)."""

    resource_type: ClassVar[str] = "Installer"

    def __init__(self, name: str, stamp: Path, broken: bool = False) -> None:
        super().__init__(name, PYTHON, stamp.parent)
        self.stamp, self.broken = stamp, broken

    async def up_to_date(self) -> str | None:
        if self.broken:
            raise ConfigurationError("cannot read the lock file requirements.lock; delete it and run again")
        return "up to date: requirements.txt unchanged" if self.stamp.exists() else None


def app_with_step(tmp_path: Path, stopped: asyncio.Queue[tuple[str, int | None]], broken: bool = False):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    stamp = tmp_path / "stamp"
    step = ExecutableBuilder(b, StampedStep("api-install", stamp, broken)).with_args("-c", WRITE_STAMP, str(stamp))
    b.add_resource(step)
    step.on_stopped(lambda e: stopped.put_nowait((e.state, e.exit_code)))
    b.add_executable("api", PYTHON, ".", "-c", IDLE).wait_for_completion(step).with_stop_grace_period(2)
    return b


async def test_an_up_to_date_step_is_skipped_on_the_second_start_and_its_dependent_starts(tmp_path):
    stopped: asyncio.Queue[tuple[str, int | None]] = asyncio.Queue()
    async with testing.start(app_with_step(tmp_path, stopped)) as app:
        ran = await app.wait_for_resource("api-install", "Finished")
        assert ran.exit_code == 0 and len(ran.replicas) == 1 and ran.replicas[0].pid
        await app.wait_for_log("api", "app up")
    assert await asyncio.wait_for(stopped.get(), 5) == ("Finished", 0)
    assert (tmp_path / "stamp").exists()

    (tmp_path / "stamp").write_text("left by the first run")  # a second run would overwrite it
    async with testing.start(app_with_step(tmp_path, stopped)) as app:
        await app.wait_for_log("api", "app up")
        skipped = await app.wait_for_resource("api-install", "Finished")
        assert skipped.exit_code == 0
        assert skipped.state_message == "up to date: requirements.txt unchanged"
        assert skipped.replicas == (), "no process was started"
        assert "up to date: requirements.txt unchanged" in app.log_text("api-install")
        assert await asyncio.wait_for(stopped.get(), 5) == ("Finished", 0)
        async with app.api_client() as client:
            shown = (await client.get("/v1/resources/api-install")).json()
        assert (shown["state"], shown["exit_code"], shown["state_message"]) == (
            "Finished", 0, "up to date: requirements.txt unchanged"
        ), shown
        described = json.loads(await pyspire_cli("describe", "api-install", "--format", "json", cwd=tmp_path))
        assert "up to date: requirements.txt unchanged" in json.dumps(described)
        assert (tmp_path / "stamp").read_text() == "left by the first run"

        # The start command asks again: with the stamp gone, the step runs.
        (tmp_path / "stamp").unlink()
        assert (await app.execute_command("api-install", "start")).success
        ran = await app.wait_for_resource("api-install", "Finished")
        assert len(ran.replicas) == 1 and ran.exit_code == 0
        assert (tmp_path / "stamp").read_text() == "installed"
        # ... and with the stamp back, it is skipped again.
        started = await app.execute_command("api-install", "start")
        assert (started.success, started.message) == (True, "up to date: requirements.txt unchanged")
        again = app.resource("api-install")
        assert (again.state, again.replicas, again.state_message) == (
            "Finished", (), "up to date: requirements.txt unchanged"
        )


async def test_a_raising_up_to_date_fails_only_that_step_with_its_message_and_no_traceback(tmp_path):
    stopped: asyncio.Queue[tuple[str, int | None]] = asyncio.Queue()
    b = app_with_step(tmp_path, stopped, broken=True)
    b.add_executable("other", PYTHON, ".", "-c", IDLE).with_stop_grace_period(2)
    async with testing.start(b) as app:
        failed = await app.wait_for_resource("api-install", "FailedToStart")
        assert failed.state_message == (
            "cannot start: cannot read the lock file requirements.lock; delete it and run again"
        )
        assert failed.replicas == ()
        assert "Traceback" not in app.log_text("api-install")
        await app.wait_for_log("other", "app up")
        assert app.resource("api").state == "FailedToStart"  # its completion can never come
    assert not (tmp_path / "stamp").exists()

