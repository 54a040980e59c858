"""What masking secrets costs on the two hot paths it sits on: log capture and snapshot publishing.

Both run in-process (no child processes: the figure is pyspire's own work). Each is measured with
secrets registered against the same work with none (the reference, measured in the same run):

- **log capture**: ``LogStore.append`` of 1,000,000 lines in batches of 500 (about what one 1 MiB
  pipe read holds), with 10 secrets of 12–40 characters registered, none of them in the output
  (the common case: every batch is searched, nothing is replaced), and with one line in 100
  carrying a secret (every such batch is rewritten). Two references: no secrets at all, and the
  masking pyspire did before the Redactor (one join and replace per batch), on the same batches.
- **snapshot publishing**: ``SnapshotHub.publish`` of a resource with 20 env vars, 2 replicas and
  a health report, alternating two states, 50,000 times.

Prints the median of ``--runs`` interleaved runs and ``with secrets / without``.

    .venv/bin/python benchmarks/bench_redaction.py [--runs 5]
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import time

from pyspire.executor.snapshots import EnvVar, HealthReport, ReplicaSnapshot, ResourceSnapshot, SnapshotHub
from pyspire.orchestrator.logs import LogStore
from pyspire.orchestrator.redaction import Redactor

LINES = 1_000_000
BATCH = 500
PUBLISHES = 50_000


def _secrets() -> list[str]:
    return [secrets.token_urlsafe(9 + i * 3) for i in range(10)]


def _batches(registered: list[str], leak_every: int | None) -> list[list[str]]:
    line = "GET /api/orders/123 200 12.3ms user=alice trace=4bf92f3577b34da6a3ce929d0e0e4736"
    batches = []
    for _ in range(LINES // BATCH):
        batch = [line] * BATCH
        if leak_every:
            for j in range(0, BATCH, leak_every):
                batch[j] = f"connecting with {registered[3]}"
        batches.append(batch)
    return batches


def capture(registered: list[str], leak_every: int | None) -> float:
    store = LogStore(default_lines=10_000)
    store.redact(registered)
    batches = _batches(registered, leak_every)
    began = time.perf_counter()
    for batch in batches:
        store.append("api", "api-abcdefgh", "stdout", batch)
    return time.perf_counter() - began


def _previous_masking(lines: list[str], registered: tuple[str, ...]) -> list[str]:
    """How ``LogStore`` masked output before the Redactor (its ``_redact``), for comparison."""
    joined = "\n".join(lines)
    if not any(secret in joined for secret in registered):
        return lines
    for secret in registered:
        joined = joined.replace(secret, "***")
    return joined.split("\n")


def previous(registered: list[str], leak_every: int | None) -> float:
    ordered = tuple(sorted(registered, key=len, reverse=True))
    batches = _batches(registered, leak_every)
    began = time.perf_counter()
    for batch in batches:
        _previous_masking(batch, ordered)
    return time.perf_counter() - began


def publishing(registered: list[str]) -> float:
    redactor = Redactor()
    redactor.add(registered)
    hub = SnapshotHub(redactor)
    env = tuple(EnvVar(f"VAR_{i}", f"value-{i}-http://localhost:{5000 + i}") for i in range(20))
    replicas = (ReplicaSnapshot("api-a", "a", "Running", pid=1), ReplicaSnapshot("api-b", "b", "Running", pid=2))
    base = ResourceSnapshot("api", "Executable", env=env, replicas=replicas)
    hub.add(base)
    reports = (
        (HealthReport("http/", "Healthy"),),
        (HealthReport("http/", "Unhealthy", "1 of 2 replicas failing", "GET http://127.0.0.1:5001/ refused"),),
    )
    began = time.perf_counter()
    for i in range(PUBLISHES):
        hub.publish("api", health_reports=reports[i % 2], state_message=f"check {i % 2}")
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    registered = _secrets()
    keys = ("cap0", "old", "cap", "oldleak", "capleak", "pub0", "pub")
    results: dict[str, list[float]] = {k: [] for k in keys}
    for _ in range(args.runs):
        results["cap0"].append(capture([], None))
        results["old"].append(previous(registered, None))
        results["cap"].append(capture(registered, None))
        results["oldleak"].append(previous(registered, 100))
        results["capleak"].append(capture(registered, 100))
        results["pub0"].append(publishing([]))
        results["pub"].append(publishing(registered))
    m = {k: statistics.median(v) for k, v in results.items()}
    print(f"log capture, {LINES:,} lines in batches of {BATCH}:")
    print(f"  no secrets (reference)        {m['cap0']:.3f} s  ({LINES / m['cap0'] / 1e6:.1f} M lines/s)")
    print(
        f"  10 secrets, none in output    {m['cap']:.3f} s  ({m['cap'] / LINES * 1e9:.0f} ns/line; "
        f"previous masking {m['old']:.3f} s, ratio {m['cap'] / m['old']:.2f})"
    )
    print(
        f"  10 secrets, 1 line in 100     {m['capleak']:.3f} s  ({m['capleak'] / LINES * 1e9:.0f} ns/line; "
        f"previous masking {m['oldleak']:.3f} s, ratio {m['capleak'] / m['oldleak']:.2f})"
    )
    print(f"snapshot publishing, {PUBLISHES:,} publications:")
    print(f"  no secrets (reference)        {m['pub0']:.3f} s  ({PUBLISHES / m['pub0']:,.0f}/s)")
    print(f"  10 secrets                    {m['pub']:.3f} s  ratio {m['pub'] / m['pub0']:.2f}")


if __name__ == "__main__":
    main()
