"""Clients that stop reading never grow the app host: while a resource flaps for 30 s, an SSE
snapshot stream, a Kubernetes watch and a log follower that read nothing hold the app host's
memory flat. Afterwards the SSE client catches up on the newest state, the watch has been ended
with 410 Gone and a re-list works, and the log follower is told how many lines it missed.

The clients are raw connections to the app host's Unix socket that are never read, so the
server's sends block as soon as the kernel's buffers fill, as with a client in a paused terminal.
The app host runs in this process (``testing.start``), so ``tracemalloc`` sees all of its
Python allocations.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import time
import tracemalloc
from collections.abc import Callable

from pyspire import DistributedApplication, testing
from pyspire.api import ApiEndpoint, kube_watch
from pyspire.executor.snapshots import SUBSCRIBER_BUFFER
from pyspire.orchestrator.store import ObjectStore
from tests.conftest import PYTHON

FLAP_SECONDS = 30.0
REPLICAS = 3
WATCH_LIMIT = 200
#: At least this long is measured after the warm-up.
MEASURED_SECONDS = 8.0
#: Changes after which the store's history has been filled and partly replaced.
WARM_CHANGES = ObjectStore.HISTORY + 100
#: Snapshots the SSE client is to fall behind by, twice over what its buffer and the kernel's hold.
BEHIND = 2 * (SUBSCRIBER_BUFFER + 120)
#: Some 15 s on an idle machine; far longer when the machine is busy (restarts are slower).
WARM_UP_TIMEOUT = 120.0
EXE = "/apis/pyspire.dev/v1/executables"
#: Each run prints this many lines of 200 characters and exits 1; restarted after 0.1 s, on every
#: replica. A follower's queue (8 MiB) is full after some 80 runs.
LINES_PER_RUN = 500
FLAPPING = f"import sys; sys.stdout.write(('y' * 200 + '\\n') * {LINES_PER_RUN}); sys.exit(1)"
#: What the app host's traced memory may grow by from the end of the warm-up to the end. Every
#: bounded structure is full by then, so what remains is churn (a history event or a log batch a
#: little bigger than the one it replaced, a snapshot in flight): measured from -2 KB to +115 KB.
#: With the unbounded snapshot queue and the old 50,000-event watch queue, the same run grew by
#: 4 MB (some 750 snapshots and 1,000 changes queued for the stalled clients).
GROWTH_BOUND = 1 << 20


def stalled_client(api: ApiEndpoint, path: str) -> socket.socket:
    """A client that sends a GET for ``path`` and then reads nothing.

    It talks to the app host's Unix socket: there the kernel holds about 200 KB for a reader that
    does not read (a TCP connection on loopback grows its send buffer to 4 MB, which would take
    minutes to fill), so the app host's own buffers are what a stalled client fills next."""
    assert api.socket is not None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(api.socket)
    request = f"GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {api.token}\r\n\r\n"
    sock.sendall(request.encode())
    sock.setblocking(False)
    return sock


async def read_until(sock: socket.socket, done: Callable[[bytes], object], timeout: float = 20) -> bytes:
    """Read ``sock`` (now, at last) until ``done`` holds for what came; returns all of it."""
    loop = asyncio.get_running_loop()
    received = bytearray()
    async with asyncio.timeout(timeout):
        while not done(bytes(received)):
            chunk = await loop.sock_recv(sock, 1 << 16)
            assert chunk, f"the stream ended early: {bytes(received[-300:])!r}"
            received += chunk
    return bytes(received)


def _ids(stream: bytes) -> list[int]:
    return [int(i) for i in re.findall(rb"\nid: (\d+)\n", stream)]


async def test_clients_that_never_read_while_a_resource_flaps_do_not_grow_the_app_host(tmp_path, monkeypatch):
    # The watch's bound, lowered so that a flapping resource passes it within seconds rather
    # than a minute; the snapshot stream and the log follower keep their real bounds.
    monkeypatch.setattr(kube_watch, "CLIENT_WATCH_LIMIT", WATCH_LIMIT)
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_executable("flappy", PYTHON, ".", "-S", "-c", FLAPPING).with_restart_policy(
        "always", initial_backoff=0.1, max_backoff=0.1
    ).with_replicas(REPLICAS).with_log_buffer(2_000)
    tracemalloc.start()
    try:
        async with testing.start(b) as app, contextlib.AsyncExitStack() as clients:
            store, hub = app.orchestrator.store, app.executor.snapshots
            own_subscriptions = hub.watchers  # the app host's own
            sse = clients.enter_context(stalled_client(app.api, "/v1/resources?watch=1"))
            watch = clients.enter_context(stalled_client(app.api, f"{EXE}?watch=true"))
            follower = clients.enter_context(stalled_client(app.api, "/v1/resources/flappy/logs?follow=1&tail=0"))
            began, first = time.monotonic(), _hub_version(app)
            async with asyncio.timeout(10):  # the snapshot stream is being served
                while hub.watchers <= own_subscriptions:
                    await asyncio.sleep(0.05)

            # Warm-up: the store's history is full and partly replaced, the log ring and the
            # follower's queue are full, the watch has had its 410, the SSE client is further
            # behind than its buffer and the kernel's (some 200 KB: about 120 snapshots) hold:
            # every bounded structure has reached its size.
            async with asyncio.timeout(WARM_UP_TIMEOUT):
                while int(store.resource_version) < WARM_CHANGES or _hub_version(app) - first < BEHIND:
                    await asyncio.sleep(0.1)
            warmed_up, warm_snapshot = time.monotonic() - began, _hub_version(app)
            warm = tracemalloc.get_traced_memory()[0]
            # Then at least MEASURED_SECONDS and BEHIND more snapshots, 30 s of flapping in all.
            await asyncio.sleep(max(MEASURED_SECONDS, FLAP_SECONDS - warmed_up))
            async with asyncio.timeout(WARM_UP_TIMEOUT):
                while _hub_version(app) - warm_snapshot < BEHIND:
                    await asyncio.sleep(0.1)
            grown = tracemalloc.get_traced_memory()[0] - warm
            measured = _hub_version(app) - warm_snapshot
            print(f"warm-up {warmed_up:.1f} s; then {measured} snapshots, memory grew {grown:,} bytes")
            # An unbounded queue would have held each of the snapshots measured (and the watch's
            # queue each change): more than the bound allows.
            assert grown < GROWTH_BOUND, f"grew {grown:,} bytes while {measured} snapshots were published"

            # The SSE client, reading at last, catches up to the newest snapshot of the resource.
            newest = hub.get("flappy").version
            seen = _ids(await read_until(sse, lambda stream: max(_ids(stream), default=0) >= newest))
            # In order, with states skipped: far fewer than were published.
            assert seen == sorted(seen) and len(seen) < newest - first - SUBSCRIBER_BUFFER


            # The watch was ended with 410 Gone (kubectl re-lists on it)...
            ended = await read_until(watch, re.compile(rb'\{"type":"ERROR".*\}\n').search)
            gone = json.loads(re.findall(rb'\{"type":"ERROR".*\}\n', ended)[0])
            assert gone["object"]["code"] == 410 and gone["object"]["reason"] == "Expired"
            # ...and listing again and watching from the list's version works.
            async with app.api_client() as client:
                listed = (await client.get(EXE)).json()
                assert [item["metadata"]["name"] for item in listed["items"]]
                version = listed["metadata"]["resourceVersion"]
                params = {"watch": "true", "resourceVersion": version, "timeoutSeconds": "5"}
                async with client.stream("GET", EXE, params=params) as response:
                    first = json.loads(await anext(response.aiter_lines()))
                assert first["type"] in ("MODIFIED", "ADDED", "DELETED")
                assert int(first["object"]["metadata"]["resourceVersion"]) > int(version)

            # The log follower is told how many lines it missed.
            dropped = re.compile(rb"\.\.\. (\d+) lines dropped \.\.\.")
            missed = dropped.search(await read_until(follower, dropped.search))
            assert missed and int(missed.group(1)) > 0
    finally:
        tracemalloc.stop()


def _hub_version(app: testing.AppHandle) -> int:
    return max(s.version for s in app.resources())
