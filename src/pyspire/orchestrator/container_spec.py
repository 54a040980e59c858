"""From a Container object's spec to the engine's run spec, and the spec's lifecycle key.

The lifecycle key is a hash of everything that defines the container (image id, entrypoint, args,
env, ports, mounts, network, runtime args, and the stop signal when one is set). A persistent container carries it as a label; the next
run adopts the container when the key matches and recreates it when it does not. Nothing that
changes from run to run may enter the key (Aspire issue #11011: a per-run instance id in the env
made every run recreate "persistent" containers) — the executor keeps such values stable for
persistent containers, and labels (which hold the run id) are left out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from pyspire.orchestrator.objects import env_of
from pyspire.orchestrator.store import Obj
from pyspire.runtime.containers import Mount, PortPublish, RunSpec


def lifecycle_key(spec: Obj, image_id: str) -> str:
    defining = {
        "image": spec["image"],
        "imageId": image_id,
        "entrypoint": spec.get("entrypoint"),
        "args": spec.get("args", []),
        "env": sorted(env_of({"spec": spec}).items()),
        "ports": sorted(
            (p["hostIP"], p["hostPort"], p["containerPort"], p["protocol"]) for p in spec.get("ports", [])
        ),
        "mounts": sorted(
            (m["kind"], m["source"] or "", m["target"], m["readOnly"]) for m in spec.get("mounts", [])
        ),
        "network": spec.get("network"),
        "aliases": sorted(spec.get("aliases", [])),
        "extraHosts": sorted(spec.get("extraHosts", {}).items()),
        "runtimeArgs": spec.get("runtimeArgs", []),
    }
    if spec.get("stopSignal"):  # only when set: the keys of containers made before stay the same
        defining["stopSignal"] = spec["stopSignal"]
    return hashlib.sha256(json.dumps(defining, sort_keys=True).encode()).hexdigest()[:32]


def run_spec(spec: Obj, extra_labels: Mapping[str, str]) -> RunSpec:
    return RunSpec(
        name=spec["containerName"],
        image=spec["image"],
        args=tuple(spec.get("args", [])),
        entrypoint=spec.get("entrypoint"),
        env=env_of({"spec": spec}),
        labels={**spec.get("labels", {}), **extra_labels},
        ports=tuple(
            PortPublish(p["hostIP"], int(p["hostPort"]), int(p["containerPort"]), p["protocol"])
            for p in spec.get("ports", [])
        ),
        mounts=tuple(Mount(m["kind"], m["source"], m["target"], bool(m["readOnly"])) for m in spec.get("mounts", [])),
        network=spec.get("network"),
        aliases=tuple(spec.get("aliases", [])),
        extra_hosts=dict(spec.get("extraHosts", {})),
        runtime_args=tuple(spec.get("runtimeArgs", [])),
        stop_signal=spec.get("stopSignal"),
    )
