"""The control plane: object store with Kubernetes conventions, controllers, logs, ports."""

from pyspire.orchestrator.logs import LogBatch, LogLine, LogStore
from pyspire.orchestrator.orchestrator import Orchestrator
from pyspire.orchestrator.store import ObjectStore, WatchEvent

__all__ = ["LogBatch", "LogLine", "LogStore", "ObjectStore", "Orchestrator", "WatchEvent"]
