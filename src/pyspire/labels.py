"""The names of the labels, annotations and finalizer pyspire puts on its objects and containers.

One module, dependency-free, so the orchestrator, the executor, the runtime's sweeps (which find a
dead run's containers by label), the object API (which refuses client writes under
:data:`LABEL_PREFIX`) and integrations all spell them the same way. Every name lives under
``pyspire.dev/``; a label there belongs to the app host, which finds its objects by it.
"""

from __future__ import annotations

#: Labels under this prefix are the app host's; clients may not set or change them.
LABEL_PREFIX = "pyspire.dev/"

#: The app model resource an object (a replica, an endpoint, a container) belongs to.
LABEL_RESOURCE = f"{LABEL_PREFIX}resource"
#: The Service an Endpoint object serves.
LABEL_SERVICE = f"{LABEL_PREFIX}service"
#: The object that owns another (deleted with it).
LABEL_OWNER = f"{LABEL_PREFIX}owner"
#: Which replica (0, 1, …) of its resource an Executable is.
LABEL_REPLICA_INDEX = f"{LABEL_PREFIX}replica-index"
#: The endpoint (of the resource) an Endpoint object is for.
LABEL_ENDPOINT = f"{LABEL_PREFIX}endpoint"
#: On persistent containers, networks and volumes: the app (its app host file) they belong to,
#: across runs.
LABEL_APP = f"{LABEL_PREFIX}app"
#: On session containers and networks: the run that created them, so a sweep finds a dead run's.
LABEL_RUN = f"{LABEL_PREFIX}run"
#: On containers: a hash of everything that defines the container; a persistent container whose
#: key differs is re-created.
LABEL_LIFECYCLE_KEY = f"{LABEL_PREFIX}lifecycle-key"

#: The finalizer that holds an object until its controller has cleaned up what it made.
FINALIZER = f"{LABEL_PREFIX}cleanup"
