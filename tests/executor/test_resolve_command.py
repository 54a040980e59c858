"""``ExecutableResource.resolve_command()`` decides the program at each start: an integration's
subclass finds an interpreter an installer has just made, or says — with a
``ConfigurationError`` naming the fix — why there is none, which fails only its resource."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import ClassVar

from pyspire import DistributedApplication, testing
from pyspire.errors import ConfigurationError
from pyspire.model import ExecutableBuilder, ExecutableResource
from pyspire.orchestrator.objects import EXECUTABLE
from tests.conftest import PYTHON

IDLE = "print('running', flush=True); import time; time.sleep(3600)"


class VenvApp(ExecutableResource):
    """Runs with the interpreter of ``venv``, looked up only when it starts."""

    resource_type: ClassVar[str] = "PythonApp"

    def __init__(self, name: str, app_dir: Path, venv: Path) -> None:
        super().__init__(name, "python", app_dir)
        self.venv = venv

    async def resolve_command(self) -> str:
        interpreter = self.venv / "bin" / "python"
        if not interpreter.exists():
            raise ConfigurationError(
                f"no virtual environment at {self.venv}; create it with `python -m venv {self.venv}`"
            )
        return str(interpreter)


def add_venv_app(b, name: str, venv: Path):
    app = ExecutableBuilder(b, VenvApp(name, b.app_dir, venv)).with_args("-c", IDLE)
    b.add_resource(app)
    return app


async def test_a_resolved_command_runs_and_a_refused_one_fails_only_its_resource(tmp_path):
    venv = tmp_path / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    add_venv_app(b, "api", venv)
    add_venv_app(b, "worker", tmp_path / "missing")
    b.add_executable("other", PYTHON, ".", "-c", IDLE)
    async with testing.start(b) as app:
        await app.wait_for_log("api", "running")
        [obj] = app.orchestrator.store.list(EXECUTABLE, {"pyspire.dev/resource": "api"})
        assert obj["spec"]["executablePath"] == str(venv / "bin" / "python")

        failed = await app.wait_for_resource("worker", "FailedToStart")
        assert failed.state_message == (
            f"cannot start: no virtual environment at {tmp_path / 'missing'}; "
            f"create it with `python -m venv {tmp_path / 'missing'}`"
        )
        assert failed.replicas == ()
        assert "Traceback" not in app.log_text("worker")
        await app.wait_for_log("other", "running")
        assert app.resource("api").state == "Running"

        # Asked again at each start: once the venv exists, the start command runs it.
        (tmp_path / "missing" / "bin").mkdir(parents=True)
        (tmp_path / "missing" / "bin" / "python").symlink_to(sys.executable)
        assert (await app.execute_command("worker", "start")).success
        await app.wait_for_log("worker", "running")
