"""What the telemetry CLI tests share: an app host started with ``pyspire start`` (a subprocess,
as a user would) running tests/cli/otel_shop.py under pyspire, the ``pyspire`` command, and
polling until the telemetry it sent has arrived."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PYSPIRE = str(Path(sys.executable).parent / "pyspire")
SHOP = Path(__file__).parent / "otel_shop.py"

APPHOST = textwrap.dedent(
    """
    import sys
    from pyspire import DistributedApplication

    builder = DistributedApplication.create_builder()
    builder.add_executable("shop", sys.executable, ".", {shop!r}, {secret!r})
    builder.add_executable("quiet", sys.executable, ".", "-c", "print('no telemetry here'); import time; time.sleep(600)")
    builder.build().run()
    """
)


@dataclass
class ShopApp:
    folder: Path
    env: dict[str, str]
    #: Where the shop wrote the exporter headers it got (the OTLP API key); read by tests only.
    secret_file: Path

    def cli(self, *args: str, timeout: float = 60, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PYSPIRE, *args], cwd=cwd or self.folder, env=self.env, capture_output=True, text=True,
            timeout=timeout, check=False,
        )

    def ok(self, *args: str, timeout: float = 60, cwd: Path | None = None) -> str:
        result = self.cli(*args, timeout=timeout, cwd=cwd)
        assert result.returncode == 0, f"pyspire {' '.join(args)} → {result.returncode}\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--format", "json"))

    def until(self, args: tuple[str, ...], done: Callable[[Any], bool], timeout: float = 30) -> Any:
        """``pyspire <args> --format json`` until ``done(answer)``: exporters send every second."""
        deadline = time.monotonic() + timeout
        while True:
            answer = self.json(*args)
            if done(answer):
                return answer
            assert time.monotonic() < deadline, f"pyspire {' '.join(args)} never matched; last answer: {answer}"
            time.sleep(0.3)


def cli_env(state: Path, **extra: str) -> dict[str, str]:
    return dict(
        os.environ, PYSPIRE_STATE_HOME=str(state), PYSPIRE_TEST_MARKER=str(uuid.uuid4()), COLUMNS="200", **extra
    )


def started_shop(folder: Path, **settings: str) -> Iterator[ShopApp]:
    """Start the shop app host in ``folder`` with ``pyspire start``; stop it afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    secret = folder / "exporter-headers.txt"
    (folder / "apphost.py").write_text(APPHOST.format(shop=str(SHOP), secret=str(secret)))
    app = ShopApp(folder, cli_env(folder / "state", **settings), secret)
    try:
        app.ok("start", timeout=120)
        yield app
    finally:
        app.cli("stop", "--all", timeout=90)


def shop_has_sent_everything(app: ShopApp) -> None:
    """Wait until the shop's traces, its logs and both instruments are in the app host's store."""
    app.until(("telemetry", "traces", "--resource", "shop"), lambda items: len(items) >= 2)
    app.until(("telemetry", "logs", "--text", "stock low"), lambda items: len(items) == 1)
    app.until(("telemetry", "metrics"), lambda items: {"orders.placed", "order.value"} <= {i["name"] for i in items})
