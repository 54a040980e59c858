"""One drift pass (Terraform's ``plan -refresh-only`` in spirit): ask the cloud whether each
provisioned resource still exists. Missing ones are marked so the cache no longer vouches for them;
an unknown answer (auth, throttling, network) changes nothing: it is not drift."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from pyspire.errors import PermanentError, TemporaryError
from pyspire.provisioning.backend import Backend, DeployedResource
from pyspire.provisioning.spec import Outputs, ResourceSpec
from pyspire.provisioning.state import DeploymentStateFile
from pyspire.provisioning.states import Presence
from pyspire.provisioning.states import ProvisioningState as P
from pyspire.provisioning.status import StatusBoard


def deployed(spec: ResourceSpec, state: DeploymentStateFile) -> DeployedResource | None:
    """The resource as the state file says it was deployed, or ``None`` if it says nothing."""
    rec = state.records.get(spec.name)
    scope = state.scope_of(spec.name)
    if rec is None or not rec.deployment_id or scope is None:
        return None
    return DeployedResource(spec.name, spec.kind, rec.deployment_id, scope, rec.parsed_outputs() or Outputs({}))


async def probe(backend: Backend, resource: DeployedResource) -> Presence:
    """The backend's answer; an error from a probe is an unknown answer, never drift."""
    try:
        return await backend.exists(resource)
    except (TemporaryError, PermanentError):
        return Presence.UNKNOWN


async def detect_drift(
    specs: Sequence[ResourceSpec], backend: Backend, state: DeploymentStateFile, board: StatusBoard
) -> list[str]:
    """Probe every resource whose last deployment succeeded, concurrently; the ones now missing."""
    targets = [
        d
        for s in specs
        if s.name in state.records and state.records[s.name].status == "succeeded"
        if (d := deployed(s, state)) is not None
    ]
    answers = await asyncio.gather(*(probe(backend, d) for d in targets))
    missing = [d.name for d, a in zip(targets, answers, strict=True) if a is Presence.MISSING]
    for name in missing:
        state.record(name).status = "missing"
        board.set(name, P.MISSING_IN_CLOUD, "deleted outside pyspire: reprovision to restore it")
    if missing:
        state.save()
    return missing
