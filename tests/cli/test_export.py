"""``pyspire export``: one zip with everything a running app host knows (to attach to a bug
report), read back here as a user's tools would — and holding none of the run's secrets."""

from __future__ import annotations

import json
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.telemetry_app import PYSPIRE, ShopApp, cli_env, shop_has_sent_everything, started_shop

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShopApp]:
    for app in started_shop(tmp_path_factory.mktemp("shop")):
        shop_has_sent_everything(app)
        yield app


def _entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


def test_export_holds_resources_console_logs_and_telemetry_and_no_secret(shop: ShopApp, tmp_path: Path) -> None:
    target = tmp_path / "report" / "shop.zip"
    target.parent.mkdir()
    printed = shop.ok("export", "-o", str(target))
    entries = _entries(target)
    assert set(entries) == {
        "resources.json", "logs/shop.txt", "logs/quiet.txt",
        "telemetry/logs.json", "telemetry/traces.json", "telemetry/metrics.json",
    }
    snapshots = {s["name"]: s for s in json.loads(entries["resources.json"])}
    assert set(snapshots) == {"shop", "quiet"} and snapshots["shop"]["state"] == "Running"
    assert "telemetry sent" in entries["logs/shop.txt"].decode()
    assert "no telemetry here" in entries["logs/quiet.txt"].decode()

    logs = json.loads(entries["telemetry/logs.json"])
    bodies = [r["body"] for r in logs]
    assert bodies.index("order 42 placed") < bodies.index("payment failed") < bodies.index("stock low")
    assert [r["id"] for r in logs] == sorted(r["id"] for r in logs)  # every page, oldest first, once
    traces = {t["name"]: t for t in json.loads(entries["telemetry/traces.json"])}
    assert set(traces) == {"GET /orders", "POST /pay"}
    assert [s["name"] for s in traces["GET /orders"]["spans"]] == ["GET /orders", "SELECT orders"]
    metrics = {m["instrument"]["name"]: m for m in json.loads(entries["telemetry/metrics.json"])}
    assert metrics["orders.placed"]["series"][0]["points"][-1]["value"] == 3
    assert metrics["order.value"]["series"][0]["points"][-1]["count"] == 2

    # what it wrote, with sizes
    assert f"wrote {target}" in printed
    for name in entries:
        assert name in printed
    assert "KB" in printed or " B" in printed

    # the OTLP API key the shop was given is in no file of the export, and nowhere in what it printed
    headers = shop.secret_file.read_text()
    key = headers.partition("=")[2]
    assert headers.startswith("x-otlp-api-key=") and len(key) >= 16
    for name, data in entries.items():
        assert key.encode() not in data, f"the OTLP API key is in {name}"
    assert key not in printed
    [run_file] = (shop.folder / ".pyspire" / "runs").glob("*.json")
    token = json.loads(run_file.read_text())["api"]["token"]  # the control API's bearer token
    assert len(token) >= 16 and not any(token.encode() in data for data in entries.values())
    assert [p.name for p in target.parent.iterdir()] == ["shop.zip"], "a temp file was left behind"


def test_export_without_a_name_writes_a_dated_zip_in_the_current_folder(shop: ShopApp, tmp_path: Path) -> None:
    shop.ok("export", "--apphost", str(shop.folder), cwd=tmp_path)
    [written] = list(tmp_path.glob("pyspire-export-*.zip"))
    assert written.name.startswith(f"pyspire-export-{shop.folder.name}-")
    assert "resources.json" in _entries(written)


def test_export_to_a_folder_that_does_not_exist_is_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [PYSPIRE, "export", "-o", str(tmp_path / "nowhere" / "x.zip")], cwd=tmp_path,
        env=cli_env(tmp_path / "state"), capture_output=True, text=True, timeout=30, check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: -o ") and "does not exist" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_export_from_an_app_host_without_telemetry_has_resources_and_console_logs(tmp_path: Path) -> None:
    for app in started_shop(tmp_path / "off", PYSPIRE_TELEMETRY="0"):
        target = tmp_path / "off.zip"
        printed = app.ok("export", "-o", str(target))
        assert set(_entries(target)) == {"resources.json", "logs/shop.txt", "logs/quiet.txt"}
        assert "no telemetry in the export" in printed
