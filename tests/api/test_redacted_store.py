"""The object API's view of the store masks secrets in everything it returns, and nothing else."""

from __future__ import annotations

import asyncio

from pyspire.api.redacted_store import RedactedStore
from pyspire.orchestrator.objects import EXECUTABLE, new_executable
from pyspire.orchestrator.redaction import MASK, REDACTED, Redactor
from pyspire.orchestrator.store import ObjectStore

SECRET = "pa55-w0rd-xyz"


def _store_with_secret() -> tuple[ObjectStore, RedactedStore]:
    store = ObjectStore()
    redactor = Redactor()
    redactor.add([SECRET, "k9"])
    store.create(
        new_executable(
            "api-abcdefgh",
            resource="api",
            command="python",
            args=["server.py", f"--password={SECRET}", "k9"],
            env={"DB_PASSWORD": SECRET, "DATABASE_URL": f"postgres://u:{SECRET}@h/db", "MODE": "dev"},
            working_directory="/tmp",
            grace_period_seconds=1.0,
        )
    )
    store.patch_status(EXECUTABLE, "api-abcdefgh", {"message": f"auth failed with {SECRET}"})
    return store, RedactedStore(store, redactor)


def test_objects_served_to_clients_carry_no_secret_but_keep_their_identity():
    store, view = _store_with_secret()
    obj = view.find(EXECUTABLE, "api-abcdefgh")
    assert obj is not None
    assert SECRET not in repr(obj)
    env = {e["name"]: e["value"] for e in obj["spec"]["env"]}
    assert env == {"DB_PASSWORD": MASK, "DATABASE_URL": f"postgres://u:{REDACTED}@h/db", "MODE": "dev"}
    assert obj["spec"]["args"] == ["server.py", f"--password={REDACTED}", MASK]
    assert obj["status"]["message"] == f"auth failed with {REDACTED}"
    assert obj["metadata"]["name"] == "api-abcdefgh"
    # The controllers still see the real values.
    real = store.get(EXECUTABLE, "api-abcdefgh")
    assert f"--password={SECRET}" in real["spec"]["args"]
    assert all(SECRET not in repr(o) for o in view.list(EXECUTABLE))


async def test_watch_events_and_patch_answers_are_masked_too():
    store, view = _store_with_secret()
    events = view.watch(EXECUTABLE)
    first = await asyncio.wait_for(events.__anext__(), 1)
    assert SECRET not in repr(first.object)
    patched = view.patch(EXECUTABLE, "api-abcdefgh", {"spec": {"stop": True}})
    assert SECRET not in repr(patched)
    modified = await asyncio.wait_for(events.__anext__(), 1)
    assert modified.type == "MODIFIED" and SECRET not in repr(modified.object)
    await events.aclose()
    assert store.get(EXECUTABLE, "api-abcdefgh")["spec"]["stop"] is True
