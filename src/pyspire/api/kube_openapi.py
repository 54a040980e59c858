"""The OpenAPI v3 documents kubectl reads for ``edit`` and ``explain``.

kubectl asks ``/openapi/v3`` which group versions have a document, then reads the one for
``pyspire.dev/v1``. ``kubectl edit`` (and ``apply``-style commands) validates what it sends: when
the document's PATCH operations take a ``fieldValidation`` parameter it leaves validation to the
server; without any OpenAPI it falls back to a protobuf OpenAPI v2 document and fails. Objects
here have no fixed schema (the controllers read what they know), so validation is lax: fields are
accepted as sent. ``kubectl explain`` shows the schemas' descriptions.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any

from pyspire.api.kube_discovery import VERSION
from pyspire.orchestrator.kinds import KindRegistry, KindSpec
from pyspire.orchestrator.store import API_GROUP


def group_version_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}"


_OBJECT = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}


def _schema(resource: KindSpec) -> dict[str, Any]:
    return {
        "type": "object",
        "description": resource.description or resource.kind,
        "properties": {
            "apiVersion": {"type": "string", "description": f"Always {resource.api_version}."},
            "kind": {"type": "string", "description": f"Always {resource.kind}."},
            "metadata": {
                **_OBJECT,
                "description": "Standard object metadata: name, uid, resourceVersion, labels, annotations, "
                "creationTimestamp, deletionTimestamp, finalizers.",
            },
            "spec": {**_OBJECT, "description": "What the app host wants (rendered from the app model)."},
            "status": {**_OBJECT, "description": "What the controller observes; written by it only."},
        },
        "x-kubernetes-group-version-kind": [_gvk(resource)],
    }


def _operation(resource: KindSpec, action: str, parameters: list[dict[str, Any]]) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{_schema_name(resource)}"}
    return {
        "operationId": f"{action}{resource.kind}",
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": _gvk(resource),
        "parameters": parameters,
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": ref}}}},
    }


def _query(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": {"type": "string"}}


def _gvk(resource: KindSpec) -> dict[str, str]:
    return {"group": resource.group, "version": resource.version, "kind": resource.kind}


def _schema_name(resource: KindSpec) -> str:
    """``dev.pyspire.v1.Executable``: the group reversed, as the API server names schemas."""
    return ".".join([*reversed(resource.group.split(".")), resource.version, resource.kind])


def group_version_document(
    kinds: KindRegistry, group: str = API_GROUP, version: str = VERSION
) -> dict[str, Any] | None:
    """The document for the kinds of one group version (built once per set of kinds); None when
    no kind is served there."""
    specs = tuple(kinds.in_group_version(group, version))
    return _group_version_document(specs) if specs else None


@lru_cache(maxsize=8)
def _group_version_document(kinds: tuple[KindSpec, ...]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for resource in kinds:
        collection = f"/apis/{resource.group}/{resource.version}/{resource.plural}"
        selectors = [
            _query("labelSelector", "Select objects by their labels."),
            _query("fieldSelector", "Select objects by metadata.name."),
            _query("watch", "Stream changes instead of listing."),
            _query("resourceVersion", "Watch changes after this version."),
        ]
        paths[collection] = {"get": _operation(resource, "list", selectors)}
        dry_run = _query("dryRun", "All: check the request, change nothing.")
        paths[collection + "/{name}"] = {
            "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": _operation(resource, "get", []),
            "patch": _operation(
                resource,
                "patch",
                [
                    dry_run,
                    _query("fieldValidation", "Accepted; objects have no fixed schema to check against."),
                ],
            ),
            "delete": _operation(resource, "delete", [dry_run]),
        }
    return {
        "openapi": "3.0.0",
        "info": {"title": "pyspire object API", "version": kinds[0].version},
        "paths": paths,
        "components": {"schemas": {_schema_name(r): _schema(r) for r in kinds}},
    }


def openapi_root(kinds: KindRegistry) -> dict[str, Any]:
    """``/openapi/v3``: where each group version's document is, with a hash of its content
    (kubectl caches documents by it)."""
    paths: dict[str, Any] = {}
    for group, versions in kinds.group_versions().items():
        for version in versions:
            document = group_version_document(kinds, group, version)
            digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
            path = group_version_path(group, version)
            paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest}"}
    return {"paths": paths}
