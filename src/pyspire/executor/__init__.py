"""The executor: app model → orchestrator objects, values resolved, snapshots published."""

from pyspire.executor.configuration import Configuration, SettingsError, state_dir
from pyspire.executor.executor import Executor
from pyspire.executor.snapshots import EnvVar, ReplicaSnapshot, ResourceSnapshot, SnapshotHub, Url

__all__ = [
    "Configuration",
    "EnvVar",
    "Executor",
    "ReplicaSnapshot",
    "ResourceSnapshot",
    "SettingsError",
    "SnapshotHub",
    "Url",
    "state_dir",
]
