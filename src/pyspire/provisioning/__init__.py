"""Cloud provisioning: a serialized controller with cached deployment state, drift detection and
recovery commands, behind one :class:`Backend` interface per cloud (issue 15).

Builds only on the public extension API (:mod:`pyspire.extensions`, :mod:`pyspire.errors`)."""

from __future__ import annotations

from pyspire.provisioning import running as _running  # noqa: F401  (registers the handlers)
from pyspire.provisioning import service as _service  # noqa: F401  (registers the app host service)
from pyspire.provisioning.backend import Backend, DeployedResource, DeploymentHandle
from pyspire.provisioning.clock import Clock, SystemClock
from pyspire.provisioning.controller import DEFAULT_DRIFT_INTERVAL, PassResult, ProvisioningController
from pyspire.provisioning.errors import (
    DependencyCycle,
    DeploymentConflict,
    DeploymentFailed,
    DeploymentNotFound,
    MissingConfiguration,
    OperationCanceled,
    PrerequisiteFailed,
    UnknownCloudResource,
)
from pyspire.provisioning.intents import (
    ChangeContext,
    ChangeLocation,
    Delete,
    DeleteAll,
    DetectDrift,
    EnsureProvisioned,
    ForgetState,
    Intent,
    Reprovision,
    ReprovisionAll,
    ResetState,
)
from pyspire.provisioning.model import (
    BackendFactory,
    CloudEnvironmentBuilder,
    CloudEnvironmentResource,
    CloudResource,
    CloudResourceBuilder,
    OutputOf,
    add_cloud_environment,
)
from pyspire.provisioning.runtime import EnvironmentRuntime
from pyspire.provisioning.spec import PER_USER_PARAMETERS, OutputRef, Outputs, ResourceSpec, Scope
from pyspire.provisioning.state import DeploymentStateFile, ResourceRecord, deployments_file
from pyspire.provisioning.states import EnvironmentState, Presence, ProvisioningState
from pyspire.provisioning.status import ResourceStatus, StatusBoard, StatusEvent

__all__ = [
    "DEFAULT_DRIFT_INTERVAL",
    "PER_USER_PARAMETERS",
    "Backend",
    "BackendFactory",
    "CloudEnvironmentBuilder",
    "CloudEnvironmentResource",
    "CloudResource",
    "CloudResourceBuilder",
    "EnvironmentRuntime",
    "OutputOf",
    "add_cloud_environment",
    "ChangeContext",
    "ChangeLocation",
    "Clock",
    "Delete",
    "DeleteAll",
    "DependencyCycle",
    "DeployedResource",
    "DeploymentConflict",
    "DeploymentFailed",
    "DeploymentHandle",
    "DeploymentNotFound",
    "DeploymentStateFile",
    "DetectDrift",
    "EnsureProvisioned",
    "EnvironmentState",
    "ForgetState",
    "Intent",
    "MissingConfiguration",
    "OperationCanceled",
    "OutputRef",
    "Outputs",
    "PassResult",
    "Presence",
    "PrerequisiteFailed",
    "ProvisioningController",
    "ProvisioningState",
    "Reprovision",
    "ReprovisionAll",
    "ResetState",
    "ResourceRecord",
    "ResourceSpec",
    "ResourceStatus",
    "Scope",
    "StatusBoard",
    "StatusEvent",
    "SystemClock",
    "UnknownCloudResource",
    "deployments_file",
]
