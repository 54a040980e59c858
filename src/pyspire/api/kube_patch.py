"""PATCH as the Kubernetes API server does it for custom resources.

Two patch types: JSON merge patch (``application/merge-patch+json``, ``kubectl patch --type
merge``) and JSON patch (RFC 6902, ``application/json-patch+json``, ``--type json``, applied by the
``jsonpatch`` library). Strategic merge patch (kubectl's default) needs Go struct tags that only
built-in kinds have, so the API server answers 415 for custom resources; so does this API, with
a message that says which ``--type`` to use.

Like an API server with a status subresource, a client cannot change ``status`` (the controllers
own it) or the server-managed metadata; ``metadata.resourceVersion`` / ``metadata.uid`` in a patch
are preconditions. What a client may change at all, and the types it must give, is checked by
:mod:`pyspire.api.kube_writes` (422 otherwise). Whatever remains is applied to the store as one
merge patch.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonpatch
import jsonpointer

from pyspire.api.kube_status import KubeError, conflict
from pyspire.api.kube_writes import SERVER_METADATA, check_write
from pyspire.orchestrator.kinds import KindSpec
from pyspire.orchestrator.store import Obj, merge_patch

MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"

def unsupported(content_type: str) -> KubeError:
    hint = ""
    if content_type == STRATEGIC_MERGE_PATCH:
        hint = (
            "; strategic merge patch is not supported for pyspire.dev objects (they are custom resources): "
            "use kubectl patch --type merge (JSON merge patch) or --type json (JSON patch)"
        )
    elif content_type == APPLY_PATCH:
        hint = "; server-side apply is not supported: use kubectl patch --type merge"
    return KubeError(
        415,
        "the body of the request was in an unknown format - accepted media types include: "
        f"{JSON_PATCH}, {MERGE_PATCH}{hint}",
    )


def desired_object(current: Obj, content_type: str, body: bytes) -> Obj:
    """``current`` with the client's patch applied (not yet checked)."""
    try:
        patch = json.loads(body or b"null")
    except ValueError as exc:
        raise KubeError(400, f"the patch is not valid JSON: {exc}") from None
    if content_type == MERGE_PATCH:
        if not isinstance(patch, dict):
            raise KubeError(400, "a JSON merge patch must be a JSON object")
        result: Obj = merge_patch(current, patch)
        return result
    if content_type == JSON_PATCH:
        if not isinstance(patch, list):
            raise KubeError(400, "a JSON patch must be a JSON array of operations")
        return apply_json_patch(current, patch)
    raise unsupported(content_type)


def store_patch(spec: KindSpec, current: Obj, desired: Obj) -> tuple[dict[str, Any], str | None]:
    """The merge patch to give the store for the client's change, and the resourceVersion it is
    conditional on (None: unconditional). Raises for changes a client may not make
    (:mod:`pyspire.api.kube_writes`)."""
    name = current["metadata"]["name"]
    meta = desired.get("metadata")
    if isinstance(meta, dict) and meta.get("name") != name:
        raise KubeError(
            400, f"the name of the object ({meta.get('name')}) does not match the name on the URL ({name})"
        )
    current_meta = current["metadata"]
    if isinstance(meta, dict) and meta.get("uid") not in (None, current_meta["uid"]):
        raise conflict(
            spec.plural,
            name,
            f"Precondition failed: UID in precondition: {meta['uid']}, UID in object meta: {current_meta['uid']}",
            spec.group,
        )
    check_write(spec, current, desired)
    assert isinstance(meta, dict)  # check_write refuses anything else
    precondition = meta.get("resourceVersion")
    desired = copy.deepcopy(desired)
    desired["status"] = current.get("status", {})
    for key in SERVER_METADATA:
        if key in current_meta:
            desired["metadata"][key] = current_meta[key]
        else:
            desired["metadata"].pop(key, None)
    return merge_diff(current, desired), None if precondition is None else str(precondition)


def merge_diff(old: Any, new: Any) -> Any:
    """The JSON merge patch that turns ``old`` into ``new`` (``{}`` when they are equal)."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return copy.deepcopy(new)
    patch: dict[str, Any] = {key: None for key in old if key not in new}
    for key, value in new.items():
        if key not in old:
            patch[key] = copy.deepcopy(value)
        elif old[key] != value:
            if isinstance(old[key], dict) and isinstance(value, dict):
                patch[key] = merge_diff(old[key], value)
            else:
                patch[key] = copy.deepcopy(value)
    return patch


def apply_json_patch(document: Obj, operations: list[Any]) -> Obj:
    """RFC 6902, by the ``jsonpatch`` library; its errors become 400 (a malformed patch) or 422
    (a patch that does not fit the object), as the API server answers."""
    try:
        result = jsonpatch.JsonPatch(operations).apply(document)
    except jsonpatch.InvalidJsonPatch as exc:
        raise KubeError(400, f"invalid JSON patch: {exc}") from None
    except jsonpatch.JsonPatchTestFailed as exc:
        raise KubeError(422, f"JSON patch test failed: {exc}") from None
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, TypeError) as exc:
        raise KubeError(422, f"the JSON patch cannot be applied: {exc}") from None
    if not isinstance(result, dict):
        raise KubeError(422, "a JSON patch must leave an object")
    return result
