"""Deployment state on disk: ``.pyspire/deployments/<environment>.json``, written atomically and
readable only by the user (outputs may hold secrets).

Crossplane's "create pending" and Pulumi's pending operations teach the rule kept here: the
``running`` marker and the deployment id are saved *before* waiting on the deployment, so an app
host killed mid-deployment re-attaches to it on the next run instead of deploying twice."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from pyspire.extensions import write_atomic
from pyspire.provisioning.spec import Outputs, Scope

Status = Literal["running", "succeeded", "failed", "canceled", "missing"]
_STATUSES = ("running", "succeeded", "failed", "canceled", "missing")
VERSION = 1


@dataclass
class ResourceRecord:
    """What the state file keeps for one resource."""

    status: Status | None = None
    deployment_id: str = ""
    checksum: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, str] | None = None
    secret_outputs: list[str] = field(default_factory=list)
    scope: dict[str, Any] | None = None
    error: str = ""
    #: Set by change-location; survives reset-state and forget-state.
    location_override: str = ""

    def parsed_outputs(self) -> Outputs | None:
        """The outputs, or ``None`` when they are absent or malformed (then the cache is not used)."""
        if not isinstance(self.outputs, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.outputs.items()
        ):
            return None
        return Outputs(dict(self.outputs), frozenset(self.secret_outputs))

    def forgotten(self) -> ResourceRecord:
        """An empty record that keeps only what must survive a reset: the location override."""
        return ResourceRecord(location_override=self.location_override)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> ResourceRecord:
        status = data.get("status")
        return ResourceRecord(
            status=status if status in _STATUSES else None,
            deployment_id=str(data.get("deployment_id", "")),
            checksum=str(data.get("checksum", "")),
            parameters=dict(data.get("parameters") or {}),
            outputs=data.get("outputs"),
            secret_outputs=[str(s) for s in data.get("secret_outputs") or []],
            scope=data.get("scope"),
            error=str(data.get("error", "")),
            location_override=str(data.get("location_override", "")),
        )


def deployments_file(root: Path, environment: str) -> Path:
    """Where the deployment state of ``environment`` lives under the app host's ``.pyspire`` folder."""
    return root / ".pyspire" / "deployments" / f"{environment}.json"


class DeploymentStateFile:
    """The records of one environment, loaded once and saved whole on every change.

    Only the controller's single reader writes it, so no lock is needed within the process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.records: dict[str, ResourceRecord] = {}
        self.context: dict[str, Any] = {}
        self._load()

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text())
        except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
            return
        if not isinstance(data, dict) or data.get("version") != VERSION:
            return
        self.context = dict(data.get("context") or {})
        for name, rec in dict(data.get("resources") or {}).items():
            if isinstance(rec, dict):
                self.records[str(name)] = ResourceRecord.from_dict(rec)

    def record(self, name: str) -> ResourceRecord:
        """The record of ``name``, created empty when there is none."""
        return self.records.setdefault(name, ResourceRecord())

    def save(self) -> None:
        body = {
            "version": VERSION,
            "context": self.context,
            "resources": {name: asdict(rec) for name, rec in sorted(self.records.items())},
        }
        write_atomic(self.path, json.dumps(body, indent=2, sort_keys=True) + "\n", private_folder=True)

    def scope_of(self, name: str) -> Scope | None:
        raw = self.records.get(name, ResourceRecord()).scope
        return Scope.from_dict(raw) if isinstance(raw, dict) else None
