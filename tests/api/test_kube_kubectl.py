"""The real kubectl (the one on PATH) against a running app host, through the kubeconfig it writes.

kubectl runs as an asyncio subprocess so the app host's loop keeps serving it; its discovery cache
lives in the test's own folder.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from pyspire import DistributedApplication, testing
from pyspire.testing import AppHandle
from tests.api.kube_helpers import Kubectl, read_until, recording_states, table_rows, wait_for_kubeconfig
from tests.conftest import APPS, PYTHON, pid_alive

SLEEP = "import time; time.sleep(120)"


@contextlib.asynccontextmanager
async def app_with_kubectl(tmp_path: Path) -> AsyncIterator[tuple[AppHandle, Kubectl]]:
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("api", PYTHON, APPS, "http_env.py").with_http_endpoint(env="PORT")
    b.add_executable("worker", PYTHON, ".", "-c", SLEEP).with_stop_grace_period(2)
    async with testing.start(b) as app:
        await app.wait_for_resource("api")
        await app.wait_for_resource("worker")
        kubeconfig = await wait_for_kubeconfig(tmp_path / ".pyspire" / "kubeconfig")
        home = tmp_path / "home"
        home.mkdir()
        yield app, Kubectl(kubeconfig, home)


def replica(app: AppHandle, name: str) -> str:
    (only,) = app.resource(name).replicas
    return only.name


async def test_kubectl_get_describe_and_output_formats(tmp_path):
    async with app_with_kubectl(tmp_path) as (app, kubectl):
        rows = table_rows(await kubectl.output("get", "executables"))
        by_resource = {row["RESOURCE"]: row for row in rows}
        assert list(rows[0]) == ["NAME", "STATE", "PID", "EXIT CODE", "RESOURCE", "AGE"]
        worker = app.resource("worker").replicas[0]
        assert by_resource["worker"]["NAME"] == worker.name
        assert by_resource["worker"]["STATE"] == "Running" and by_resource["worker"]["PID"] == str(worker.pid)
        assert by_resource["api"]["STATE"] == "Running"

        services = table_rows(await kubectl.output("get", "services"))
        assert services[0]["NAME"] == "api-http" and services[0]["STATE"] == "Ready"
        assert services[0]["PORT"] == app.endpoint_url("api").rsplit(":", 1)[1]
        assert services[0]["MODE"] == "Proxy" and services[0]["PROTOCOL"] == "TCP"
        endpoints = table_rows(await kubectl.output("get", "endpoints"))
        assert endpoints[0]["SERVICE"] == "api-http" and endpoints[0]["OWNER"] == replica(app, "api")
        for kind in ("containers", "containernetworks", "containervolumes", "exe", "svc", "ep"):
            code, _, err = await kubectl.run("get", kind)
            assert code == 0, err

        listed = json.loads(await kubectl.output("get", "executables", "-o", "json"))
        assert {i["metadata"]["labels"]["pyspire.dev/resource"] for i in listed["items"]} == {"api", "worker"}
        assert all(i["kind"] == "Executable" and i["apiVersion"] == "pyspire.dev/v1" for i in listed["items"])
        yaml = await kubectl.output("get", "executable", worker.name, "-o", "yaml")
        assert "kind: Executable" in yaml and f"name: {worker.name}" in yaml and f"pid: {worker.pid}" in yaml
        by_label = await kubectl.output("get", "exe", "-l", "pyspire.dev/resource=worker", "-o", "name")
        assert by_label.split() == [f"executable.pyspire.dev/{worker.name}"]

        code, described, err = await kubectl.run("describe", "executable", worker.name)
        assert code == 0, err
        assert f"Name:         {worker.name}" in described and "Kind:         Executable" in described
        assert "State:              Running" in described and f"Pid:                {worker.pid}" in described
        assert "Events:" in described  # no events API: kubectl says <none> and still succeeds

        code, _, err = await kubectl.run("get", "executable", "nope", check=False)
        assert code == 1 and 'Error from server (NotFound): executables.pyspire.dev "nope" not found' in err


async def test_kubectl_get_watch_prints_changes(tmp_path):
    async with app_with_kubectl(tmp_path) as (app, kubectl):
        worker = replica(app, "worker")
        async with kubectl.stream("get", "executables", "--watch") as watch:
            assert watch.stdout is not None
            seen = await read_until(watch.stdout, worker)
            assert seen[0].split()[:3] == ["NAME", "STATE", "PID"]
            assert (await app.execute_command("worker", "stop")).success
            lines = await read_until(watch.stdout, "Terminated")
            changed = lines[-1].split()
            assert changed[0] == worker and changed[1] == "Terminated" and changed[3] == "-15"


async def test_kubectl_delete_replaces_the_replica(tmp_path):
    async with app_with_kubectl(tmp_path) as (app, kubectl):
        old = app.resource("worker").replicas[0]
        async with recording_states(app, "worker") as states:
            out = await kubectl.output("delete", "executable", old.name)
            assert f'executable.pyspire.dev "{old.name}" deleted' in out
            async with asyncio.timeout(10):
                while not (
                    (snap := app.resource("worker")).state == "Running"
                    and snap.replicas[0].name != old.name
                    and snap.replicas[0].pid
                ):
                    await asyncio.sleep(0.02)
        new = snap.replicas[0]
        assert new.pid != old.pid and not pid_alive(old.pid) and pid_alive(new.pid)
        assert len(snap.replicas) == 1 and snap.restart_count == 1
        assert "FailedToStart" not in states and "Exited" not in states, states
        assert "Stopping" in states and states[-1] == "Running"
        rows = table_rows(await kubectl.output("get", "executables", "-l", "pyspire.dev/resource=worker"))
        assert [(r["NAME"], r["STATE"], r["PID"]) for r in rows] == [(new.name, "Running", str(new.pid))]

        # The same for a replica behind a proxy: the new one serves on the same proxy port.
        url = app.endpoint_url("api")
        await kubectl.output("delete", "executable", replica(app, "api"))
        async with asyncio.timeout(10):
            while app.resource("api").restart_count != 1 or app.resource("api").state != "Running":
                await asyncio.sleep(0.02)
        async with httpx.AsyncClient() as client:
            answer = (await client.get(url)).json()
        assert replica(app, "api").rsplit("-", 1)[1] in answer["replica"]


async def test_kubectl_patch_stops_a_replica_and_explains_strategic_patch(tmp_path):
    async with app_with_kubectl(tmp_path) as (app, kubectl):
        worker = replica(app, "worker")
        code, _, err = await kubectl.run(
            "patch", "executable", worker, "-p", '{"spec":{"stop":true}}', check=False
        )
        assert code == 1 and "strategic merge patch is not supported" in err and "--type merge" in err
        assert app.resource("worker").state == "Running"
        out = await kubectl.output(
            "patch", "executable", worker, "--type", "merge", "-p", '{"spec":{"stop":true}}'
        )
        assert "patched" in out
        stopped = await app.wait_for_resource("worker", "Exited")
        assert stopped.replicas[0].name == worker and stopped.restart_count == 0


async def test_kubectl_edit_and_explain(tmp_path):
    async with app_with_kubectl(tmp_path) as (app, kubectl):
        worker = replica(app, "worker")
        # kubectl edit validates through the OpenAPI v3 document, then sends a merge patch.
        editor = "sed -i -e 's/stop: false/stop: true/'"
        code, out, err = await kubectl.run("edit", "executable", worker, env={"KUBE_EDITOR": editor})
        assert code == 0 and f"executable.pyspire.dev/{worker} edited" in out, err
        await app.wait_for_resource("worker", "Exited")
        explained = await kubectl.output("explain", "executables")
        assert (
            "KIND:       Executable" in explained and "delete it to have the app host replace it" in explained
        )
        assert "status\t<Object>" in explained


async def test_wrong_or_missing_token_is_refused(tmp_path):
    async with app_with_kubectl(tmp_path) as (app, kubectl):
        config = json.loads(kubectl.kubeconfig.read_text())
        config["users"][0]["user"]["token"] = "wrong"
        wrong = tmp_path / "wrong-kubeconfig"
        wrong.write_text(json.dumps(config))
        code, _, err = await Kubectl(wrong, kubectl.home).run("get", "executables", check=False)
        assert code == 1 and "You must be logged in to the server" in err

        api = app.running.api
        assert api.kube_url and api.kube_url.startswith("https://")
        ca = config["clusters"][0]["cluster"]["certificate-authority-data"]
        context = ssl.create_default_context(cadata=base64.b64decode(ca).decode())
        path = "/apis/pyspire.dev/v1/executables"
        async with httpx.AsyncClient(verify=context) as client:
            for headers in ({}, {"authorization": "Bearer wrong"}):
                for base in (api.kube_url, api.url):
                    response = await client.get(base + path, headers=headers)
                    assert response.status_code == 401 and response.json()["reason"] == "Unauthorized"
            ok = await client.get(api.kube_url + path, headers={"authorization": f"Bearer {api.token}"})
            assert ok.status_code == 200 and len(ok.json()["items"]) == 2


async def test_kubectl_watch_ends_when_the_app_host_stops(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("worker", PYTHON, ".", "-c", SLEEP)
    (tmp_path / "home").mkdir()
    async with testing.start(b) as app:
        await app.wait_for_resource("worker")
        kubeconfig = await wait_for_kubeconfig(tmp_path / ".pyspire" / "kubeconfig")
        kubectl = Kubectl(kubeconfig, tmp_path / "home")
        watch = await asyncio.create_subprocess_exec(
            *kubectl.argv("get", "executables", "-w"), env=kubectl.env(), stdout=asyncio.subprocess.PIPE
        )
        assert watch.stdout is not None
        await read_until(watch.stdout, replica(app, "worker"))
    try:
        async with asyncio.timeout(5):
            await watch.stdout.read()  # the rest of what it printed: the deletions
            assert await watch.wait() == 0
    finally:
        if watch.returncode is None:
            watch.kill()
            await watch.wait()
    assert not kubeconfig.exists()  # removed with the app host
