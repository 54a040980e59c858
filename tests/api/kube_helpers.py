"""Helpers for the object API tests: a real server over a bare store, and the real kubectl."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette

from pyspire.api.auth import TokenAuth
from pyspire.api.kube import kube_routes
from pyspire.api.server import ApiServer
from pyspire.orchestrator.objects import new_executable
from pyspire.orchestrator.store import Obj, ObjectStore

KUBECTL = shutil.which("kubectl")
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
TOKEN = "test-token"
EXE = "/apis/pyspire.dev/v1/executables"


def executable(name: str, resource: str = "api", **labels: str) -> Obj:
    obj = new_executable(
        name,
        resource=resource,
        command="/bin/true",
        args=["x"],
        env={},
        working_directory="/",
        grace_period_seconds=1,
    )
    obj["metadata"]["labels"].update(labels)
    return obj


@dataclass
class KubeServer:
    store: ObjectStore
    closing: asyncio.Event
    client: httpx.AsyncClient
    url: str


@contextlib.asynccontextmanager
async def kube_server(store: ObjectStore | None = None) -> AsyncIterator[KubeServer]:
    """The object API's routes over ``store``, served by a real (plain HTTP) ApiServer."""
    store = store or ObjectStore()
    closing = asyncio.Event()
    server = ApiServer(TokenAuth(Starlette(routes=kube_routes(store, closing)), TOKEN))
    await server.start()
    try:
        async with httpx.AsyncClient(
            base_url=server.url, headers={"authorization": f"Bearer {TOKEN}"}, timeout=10
        ) as client:
            yield KubeServer(store, closing, client, server.url)
    finally:
        closing.set()
        await server.close()


async def watch_lines(response: httpx.Response) -> AsyncIterator[dict]:
    async for line in response.aiter_lines():
        if line.strip():
            yield json.loads(line)


# -- kubectl -------------------------------------------------------------------------------------


async def wait_for_kubeconfig(path: Path, timeout: float = 10.0) -> Path:
    """The kubeconfig appears once the HTTPS listener serves (a moment after a fresh start)."""
    async with asyncio.timeout(timeout):
        while not path.exists():
            await asyncio.sleep(0.01)
    return path


@dataclass
class Kubectl:
    """Runs the real kubectl against one kubeconfig, with its caches in a folder of its own."""

    kubeconfig: Path
    home: Path

    def argv(self, *args: str) -> list[str]:
        assert KUBECTL is not None, "kubectl is missing: bash scripts/system-packages.sh installs it"
        return [KUBECTL, "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(self.home / "cache"), *args]

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KUBE")}
        return {**env, "HOME": str(self.home), "KUBECACHEDIR": str(self.home / "cache")}

    async def run(
        self, *args: str, check: bool = True, timeout: float = 30.0, env: dict[str, str] | None = None
    ) -> tuple[int, str, str]:
        process = await asyncio.create_subprocess_exec(
            *self.argv(*args),
            env={**self.env(), **(env or {})},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout)
        code = process.returncode
        assert code is not None
        if check and code != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({code}):\n{err.decode()}\n{out.decode()}")
        return code, out.decode(), err.decode()

    async def output(self, *args: str) -> str:
        return (await self.run(*args))[1]

    @contextlib.asynccontextmanager
    async def stream(self, *args: str) -> AsyncIterator[asyncio.subprocess.Process]:
        """A long-running kubectl (``get -w``), killed on leaving."""
        process = await asyncio.create_subprocess_exec(
            *self.argv(*args), env=self.env(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        try:
            yield process
        finally:
            if process.returncode is None:
                process.kill()
            await process.wait()


async def read_until(stream: asyncio.StreamReader, text: str, timeout: float = 15.0) -> list[str]:
    """Lines from ``stream`` up to and including the first that contains ``text``."""
    lines: list[str] = []
    async with asyncio.timeout(timeout):
        while True:
            raw = await stream.readline()
            if not raw:
                raise AssertionError(f"stream ended before {text!r}; got:\n" + "".join(lines))
            lines.append(raw.decode())
            if text in lines[-1]:
                return lines


def table_rows(text: str) -> list[dict[str, str]]:
    """kubectl's table output as dicts (header → cell); cells line up under their headers."""
    lines = [line for line in text.splitlines() if line.strip()]
    header = re.split(r"\s{2,}", lines[0].strip())
    starts = [lines[0].index(h) for h in header]
    rows = []
    for line in lines[1:]:
        cells = [
            line[start : (starts[i + 1] if i + 1 < len(starts) else None)].strip()
            for i, start in enumerate(starts)
        ]
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


@contextlib.asynccontextmanager
async def recording_states(app, name: str) -> AsyncIterator[list[str]]:
    """Every state ``name`` passes through while the block runs, in order."""
    async with recording(app, name, lambda snapshot: snapshot.state) as states:
        yield states


@contextlib.asynccontextmanager
async def recording(app, name: str, pick: Callable[[Any], Any]) -> AsyncIterator[list[Any]]:
    """``pick(snapshot)`` of every snapshot ``name`` publishes while the block runs, in order."""
    seen: list[Any] = []
    subscription = app.executor.snapshots.subscribe()

    async def record() -> None:
        async for snapshot in subscription:
            if snapshot.name == name:
                seen.append(pick(snapshot))

    task = asyncio.create_task(record())
    try:
        yield seen
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await subscription.aclose()
