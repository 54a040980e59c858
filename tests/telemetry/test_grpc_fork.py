"""With the OTLP receiver's gRPC server running in the app host, starting processes must stay
reliable: gRPC's fork handlers, on by default, made about one spawn in fifty abort before exec.
Importing pyspire turns them off (unless the user chose otherwise)."""

from __future__ import annotations

import os
import subprocess
import sys

#: In a fresh interpreter, as an app host is: pyspire imported first, then a busy gRPC server
#: and a channel retrying a closed port, then many fork+exec spawns with a preexec_fn (as the
#: app host spawns replicas).
SPAWN_WHILE_GRPC_RUNS = """
import subprocess, sys
import pyspire.app  # noqa: F401
import grpc
from concurrent import futures
server = grpc.server(futures.ThreadPoolExecutor(2))
server.add_insecure_port("127.0.0.1:0")
server.start()
channel = grpc.insecure_channel("127.0.0.1:9")
try:
    grpc.channel_ready_future(channel).result(timeout=0.2)
except grpc.FutureTimeoutError:
    pass
failed = sum(subprocess.run(["/bin/true"], preexec_fn=lambda: None).returncode != 0 for _ in range(400))
print("failed", failed)
"""


def test_processes_start_reliably_while_the_receivers_grpc_server_runs():
    env = {k: v for k, v in os.environ.items() if k != "GRPC_ENABLE_FORK_SUPPORT"}
    result = subprocess.run(
        [sys.executable, "-c", SPAWN_WHILE_GRPC_RUNS], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.stdout.strip() == "failed 0", result.stdout + result.stderr[-2000:]
    assert "fork_posix" not in result.stderr, "gRPC's fork handlers stayed off"


def test_a_users_own_choice_is_kept():
    script = "import os, pyspire.app; print(os.environ['GRPC_ENABLE_FORK_SUPPORT'])"
    env = {**os.environ, "GRPC_ENABLE_FORK_SUPPORT": "true"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert result.stdout.strip() == "true"
