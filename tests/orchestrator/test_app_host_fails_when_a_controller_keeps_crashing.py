"""An app host whose controller keeps crashing stops with exit code 1 and says which controller,
which kind and why (its crashes are logged with their tracebacks) — it never runs on silently."""

from __future__ import annotations

import logging

from pyspire import DistributedApplication
from pyspire.app import RunOptions
from pyspire.extensions import KINDS, Controller, KindSpec
from tests.conftest import PYTHON


class Doomed(Controller):
    kinds = ("Doom",)

    async def run(self) -> None:
        raise RuntimeError("the doom engine is out of fuel")


async def test_the_app_host_stops_with_a_clear_message_when_a_controller_keeps_crashing(
    tmp_path, capsys, caplog
):
    caplog.set_level(logging.ERROR)
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    builder.add_executable("worker", PYTHON, ".", "-c", "import time; time.sleep(120)")
    app = builder.build()
    with KINDS.registered(KindSpec(kind="Doom", plural="dooms", controller=lambda ctx: Doomed(ctx.store))):
        code = await app.run_async(RunOptions(show_output=False, color=False))
    assert code == 1
    err = capsys.readouterr().err
    assert "error: controller Doomed (kind Doom) crashed 6 times within 60s" in err, err
    assert "RuntimeError: the doom engine is out of fuel" in err and "The app host stops" in err
    assert "Traceback" not in err
    assert (
        "controller Doomed (kind Doom) crashed: RuntimeError: the doom engine is out of fuel" in caplog.text
    )
