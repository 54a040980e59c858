"""Keep gRPC's fork handlers out of the app host.

The app host starts every replica with ``fork`` + ``exec`` (its ``preexec_fn`` joins the run's
cgroup and ties the child to the app host). Once the OTLP receiver runs a gRPC server, gRPC's
C core — whose fork support is on by default in the Python wheels — runs its ``pthread_atfork``
handlers around each of those forks; when its poller threads are busy the child can abort
before it reaches ``exec`` ("epoll_wait error: Bad file descriptor", SIGABRT): measured here,
about one spawn in fifty failed. The app host never uses gRPC in a forked child, so it turns
the handlers off (``GRPC_ENABLE_FORK_SUPPORT=false``) before gRPC is first imported — unless the
user set the variable. gRPC reads it once, at its first initialisation.
"""

from __future__ import annotations

import os

VARIABLE = "GRPC_ENABLE_FORK_SUPPORT"


def keep_grpc_out_of_forks() -> None:
    os.environ.setdefault(VARIABLE, "false")
