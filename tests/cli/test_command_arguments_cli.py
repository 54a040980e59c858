"""Declared command arguments through the real CLI (a subprocess) against a running app host:
`describe` lists them, a refused call prints the API's reason in one line (no traceback, exit 1),
`--arg` values reach the callback, and a secret one never appears in what the CLI prints."""

from __future__ import annotations

from pyspire import testing
from tests.api.test_command_arguments_api import DEFAULT_TOKEN, TOKEN, app_builder
from tests.provisioning.app_helpers import pyspire_cli


async def test_describe_lists_a_command_s_arguments_without_a_secret_default(tmp_path):
    async with testing.start(app_builder(tmp_path, [])) as app:
        await app.wait_for_resource("cache")
        shown = await pyspire_cli("describe", "cache", cwd=tmp_path)
        deploy = next(line for line in shown.splitlines() if line.strip().startswith("deploy"))
        assert "region (required)" in deploy and "mode=fast" in deploy and "token (secret)" in deploy, shown
        assert DEFAULT_TOKEN not in shown


async def test_a_refused_call_prints_the_reason_and_a_valid_one_reaches_the_callback(tmp_path):
    calls: list[dict[str, str]] = []
    async with testing.start(app_builder(tmp_path, calls)) as app:
        await app.wait_for_resource("cache")
        missing = await pyspire_cli("resource", "cache", "deploy", "--arg", "mode=slow", cwd=tmp_path, check=False)
        assert "needs the argument 'region' (Region)" in missing and "--arg region=..." in missing, missing
        assert "Traceback" not in missing
        unknown = await pyspire_cli(
            "resource", "cache", "deploy", "--arg", "regoin=eu", "--arg", f"token={TOKEN}", cwd=tmp_path, check=False
        )
        assert "takes no argument 'regoin'" in unknown and "its arguments: region, mode, token" in unknown, unknown
        assert calls == []

        done = await pyspire_cli("resource", "cache", "deploy", "--arg", "region=eu-west-2", cwd=tmp_path)
        assert "✓ deploy cache" in done, done
        assert calls == [{"region": "eu-west-2", "mode": "fast", "token": DEFAULT_TOKEN}]
        failed = await pyspire_cli(
            "resource", "cache", "deploy", "--arg", "region=eu", "--arg", f"token={TOKEN}", cwd=tmp_path, check=False
        )
        assert "token *** refused" in failed, failed
        as_json = await pyspire_cli(
            "resource", "cache", "deploy", "--arg", "region=eu", "--arg", f"token={TOKEN}", "--format", "json",
            cwd=tmp_path, check=False,
        )
        assert '"success": false' in as_json and '"message": "token *** refused"' in as_json, as_json
        logs = await pyspire_cli("logs", "cache", cwd=tmp_path)
        assert "with token ***" in logs, logs
        for printed in (unknown, failed, as_json, logs):
            assert TOKEN not in printed and DEFAULT_TOKEN not in printed
        assert calls[-1]["token"] == TOKEN
