"""The proof that the extension API carries an integration: the Keystore integration of
``keystore_integration.py`` lives here in the tests, not in src, and uses only ``pyspire``,
``pyspire.model`` and ``pyspire.extensions``. Through them it registers a resource class and its
handler, an orchestrator kind with its controller, an output an ordinary executable receives, a
custom command and a child resource — and a user of it sees all of that as for a built-in."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from pyspire import DistributedApplication, ModelWarning, testing
from pyspire.extensions import KINDS, resource_handlers
from tests.api.kube_helpers import Kubectl, recording, recording_states, table_rows, wait_for_kubeconfig
from tests.extensions.keystore_integration import KEYSTORE, KeystoreResource, add_keystore, installed

PYSPIRE = str(Path(sys.executable).parent / "pyspire")

CONSUMER = (
    "import os, time; print('url', os.environ['KEYSTORE_URL'], 'token-length', len(os.environ['KEYSTORE_TOKEN']),"
    " flush=True); time.sleep(3600)"
)


async def pyspire_cli(*args: str, cwd: Path) -> str:
    """The real CLI, against the app host this test runs (without blocking its event loop)."""
    process = await asyncio.create_subprocess_exec(
        PYSPIRE, *args, cwd=cwd, env=dict(os.environ, COLUMNS="200", NO_COLOR="1"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, f"pyspire {' '.join(args)} → {process.returncode}\n{out.decode()}\n{err.decode()}"
    return out.decode()


async def test_an_integration_from_outside_src_runs_a_resource_its_kind_its_output_command_and_child(tmp_path):
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    with installed():
        keystore = add_keystore(builder, "keystore")
        builder.add_executable("consumer", sys.executable, ".", "-c", CONSUMER).with_env(
            "KEYSTORE_URL", keystore.url
        ).with_env("KEYSTORE_TOKEN", keystore.token).with_stop_grace_period(2)
        async with testing.start(builder) as app:
            consumer_messages = {(s.state, s.state_message) for s in app.resources() if s.name == "consumer"}
            async with recording_states(app, "keystore") as states, recording(app, "consumer", lambda s: (s.state, s.state_message)) as seen:
                # The dependent waits for the output, and says so in its log and its state.
                await app.wait_for_log("consumer", "waiting for output 'url' of 'keystore'")
                line = await app.wait_for_log("consumer", "token-length")
                ready = app.resource("keystore")
            assert ("Waiting", "waiting for output 'url' of 'keystore'") in consumer_messages | set(seen)
            assert line.text.split()[:2] == ["url", "keystore://keystore/v1"]
            assert line.text.split()[-1] == "32", "the secret output reached the process whole"
            assert ready.state == "Running" and ready.health_status == "Healthy"
            assert "Starting" in states and states.index("Starting") < states.index("Running"), states
            assert dict(ready.properties)["output.url"] == "keystore://keystore/v1"
            token = dict(ready.properties)["output.token"]
            consumer_env = app.resource("consumer").env_dict()
            assert consumer_env["KEYSTORE_URL"] == "keystore://keystore/v1"
            assert consumer_env["KEYSTORE_TOKEN"] == token != "", "the secret is masked in the snapshot"
            assert len(token) < 32

            # The child process got the output too, and the CLI lists it under its parent.
            await app.wait_for_log("keystore-audit", "auditing keystore://keystore/v1")
            described = await pyspire_cli("describe", cwd=tmp_path)
            rows = [line.split("  ")[0].strip() for line in described.splitlines()]
            assert rows.index("└ keystore-audit") == rows.index("keystore") + 1, described
            as_json = json.loads(await pyspire_cli("describe", "--format", "json", cwd=tmp_path))
            audit = next(r for r in (as_json if isinstance(as_json, list) else as_json["resources"]) if r["name"] == "keystore-audit")
            assert audit["parent"] == "keystore"

            # kubectl lists the integration's kind, with its columns.
            kubeconfig = await wait_for_kubeconfig(tmp_path / ".pyspire" / "kubeconfig")
            home = tmp_path / "home"
            home.mkdir()
            kubectl = Kubectl(kubeconfig, home)
            rows_k = table_rows(await kubectl.output("get", "keystores"))
            assert [(r["NAME"], r["STATE"], r["URL"]) for r in rows_k] == [("keystore", "Ready", "keystore://keystore/v1")]

            # The custom command: the controller provisions the new version (requeueing itself).
            result = await app.execute_command("keystore", "rotate")
            assert result.success, result.message
            await app.wait_for_log("keystore", "rotating to version 2")
            async with asyncio.timeout(15):
                while dict(app.resource("keystore").properties).get("output.url") != "keystore://keystore/v2":
                    await asyncio.sleep(0.05)
            assert table_rows(await kubectl.output("get", "ks"))[0]["URL"] == "keystore://keystore/v2"
            pids = [r.pid for name in ("consumer", "keystore-audit") for r in app.resource(name).replicas]
            store = app.orchestrator.store
        # The app host stopped cleanly: its object deleted in its teardown phase, every process gone.
        assert store.list(KEYSTORE) == []
        assert all(pid is not None and not _alive(pid) for pid in pids), pids
        assert {app.resource(n).state for n in ("consumer", "keystore-audit")} == {"Exited"}
    assert KEYSTORE not in KINDS and resource_handlers.find(KeystoreResource) is None, "uninstalled"


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie no longer does)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


async def test_an_integration_resource_with_explicit_start_waits_for_the_start_command(tmp_path):
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    with installed():
        add_keystore(builder, "vault").with_explicit_start()
        async with testing.start(builder) as app:
            await app.wait_for_resource("vault", "NotStarted")
            assert app.resource("vault").state_message == "waiting to be started by command"
            assert app.orchestrator.store.find(KEYSTORE, "vault") is None, "nothing was provisioned"
            assert (await app.execute_command("vault", "start")).success
            await app.wait_for_healthy("vault")


def test_a_health_check_on_an_integration_resource_is_flagged_as_ignored(tmp_path):
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    with installed():
        add_keystore(builder, "vault").with_restart_policy("always").with_stop_grace_period(3)
        with pytest.warns(ModelWarning) as warned:
            builder.build()
    messages = sorted(str(w.message) for w in warned if "vault" in str(w.message))
    assert messages == [
        "resource 'vault', restart policy: ignored: a Keystore resource is run by its handler, which reports "
        "its health and decides how it stops; remove the call",
        "resource 'vault', stop grace period: ignored: a Keystore resource is run by its handler, which "
        "reports its health and decides how it stops; remove the call",
    ]
