"""A fake cloud kept in files, for what must outlive an app host process: a deployment held by a
latch (the file ``release-<resource>``) while the app host is SIGKILLed, and a call log the next
app host appends to. Behind the same :class:`Backend` protocol as :class:`FakeBackend`.

Only one app host uses it at a time (the test kills one before starting the next), so plain
read-modify-write of ``cloud.json`` is safe."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

from pyspire.provisioning import (
    DeployedResource,
    DeploymentHandle,
    DeploymentNotFound,
    Outputs,
    Presence,
    ResourceSpec,
    Scope,
)


class FileBackend:
    """Deployments in ``<root>/cloud.json``; every call on a line of ``<root>/calls.log``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    # -- the files ---------------------------------------------------------------------------------

    def _load(self) -> dict[str, Any]:
        path = self.root / "cloud.json"
        return json.loads(path.read_text()) if path.exists() else {"deployments": {}}

    def _save(self, data: dict[str, Any]) -> None:
        tmp = self.root / "cloud.json.tmp"
        tmp.write_text(json.dumps(data))
        tmp.replace(self.root / "cloud.json")

    def _log(self, op: str, name: str) -> None:
        with (self.root / "calls.log").open("a") as f:
            f.write(f"{op} {name}\n")

    @staticmethod
    def calls(root: Path) -> list[str]:
        path = root / "calls.log"
        return path.read_text().splitlines() if path.exists() else []

    # -- the Backend protocol ------------------------------------------------------------------------

    def deployment_name(self, spec: ResourceSpec, scope: Scope) -> str:
        return f"{scope.group}-{spec.name}"

    async def deploy(self, spec: ResourceSpec, scope: Scope) -> DeploymentHandle:
        self._log("deploy", spec.name)
        data = self._load()
        dep_id = f"dep-{uuid.uuid4().hex[:8]}-{spec.name}"
        data["deployments"][dep_id] = {"resource": spec.name, "region": scope.region, "status": "running"}
        self._save(data)
        return DeploymentHandle(spec.name, dep_id, scope)

    async def wait(self, handle: DeploymentHandle) -> Outputs:
        self._log("wait", handle.resource)
        while True:
            data = self._load()
            dep = data["deployments"][handle.deployment_id]
            if dep["status"] == "running" and (self.root / f"release-{handle.resource}").exists():
                dep["status"] = "succeeded"
                self._save(data)
            if dep["status"] != "running":
                return Outputs({"name": handle.resource, "region": dep["region"], "deployment": handle.deployment_id})
            await asyncio.sleep(0.05)

    async def attach(self, deployment_id: str, resource: str, scope: Scope) -> DeploymentHandle:
        self._log("attach", resource)
        if deployment_id not in self._load()["deployments"]:
            raise DeploymentNotFound(f"no deployment {deployment_id}")
        return DeploymentHandle(resource, deployment_id, scope)

    async def exists(self, resource: DeployedResource) -> Presence:
        dep = self._load()["deployments"].get(resource.deployment_id)
        return Presence.EXISTS if dep and dep["status"] == "succeeded" else Presence.MISSING

    async def delete(self, resource: DeployedResource) -> None:
        self._log("delete", resource.name)
        data = self._load()
        data["deployments"].pop(resource.deployment_id, None)
        self._save(data)

    async def cancel(self, handle: DeploymentHandle) -> None:
        self._log("cancel", handle.resource)
