"""The object store served with Kubernetes API conventions, so kubectl and other Kubernetes
clients work against a running app host (as they do against Aspire's orchestrator, DCP).

Routes: discovery (``/api``, ``/apis``, ``/apis/<group>``, ``/apis/<group>/<version>``,
``/version``, and ``/openapi/v3`` for ``kubectl edit`` / ``explain``), then per kind of the
registry (:mod:`pyspire.orchestrator.kinds`; the built-in ones are in ``pyspire.dev/v1``),
cluster-scoped, ``/apis/<group>/<version>/<plural>`` (list, or watch with ``?watch=true``) and
``/apis/<group>/<version>/<plural>/<name>`` (get, patch, delete). Lists and gets answer a
``Table`` when the ``Accept`` header asks for one (``kubectl get``), metadata only when asked for
that, and the objects otherwise (``-o yaml``). Errors are ``Status`` objects.

Creating objects is not offered: Executables and Containers belong to the app host, which renders
them from the app model. Deleting one is how a client restarts a replica (the app host replaces
it); ``spec.stop`` (a merge patch) stops it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from pyspire._version import VERSION
from pyspire.api.kube_discovery import (
    api_group,
    api_group_list,
    api_resource_list,
    api_versions,
    version_info,
)
from pyspire.api.kube_openapi import group_version_document, openapi_root
from pyspire.api.kube_patch import desired_object, store_patch
from pyspire.api.kube_query import Rendering, rendering, selector
from pyspire.api.kube_status import KubeError, conflict, from_store, not_found
from pyspire.api.kube_tables import partial_metadata, table
from pyspire.api.kube_watch import Render, watch_response
from pyspire.api.redacted_store import ClientStore
from pyspire.orchestrator.builtin_kinds import KINDS
from pyspire.orchestrator.kinds import KindRegistry, KindSpec
from pyspire.orchestrator.store import Obj, StoreError, merge_patch

#: What a path outside the served groups, versions and kinds gets (as from the API server).
_NOT_SERVED = KubeError(404, "the server could not find the requested resource", details={})

Endpoint = Callable[[Request], Awaitable[Response]]


def _answers_errors(handler: Endpoint) -> Endpoint:
    """Turn :class:`KubeError` into its Status response (the app's own handlers answer the rest)."""

    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except KubeError as exc:
            return exc.response()

    return endpoint


def _json(document: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(document, status_code=status_code)


def _flag(value: str | None) -> bool:
    return value is not None and value.lower() in ("true", "1")


def _render(resource: KindSpec, shape: Rendering, include_object: str) -> Render:
    """How one object is answered: as itself, as a one-row Table, or as its metadata."""
    if shape.as_ == "Table":
        return lambda obj, first: table(
            resource,
            [obj],
            obj["metadata"].get("resourceVersion", ""),
            shape.api_version,
            include_object,
            with_columns=first,
        )
    if shape.as_ == "PartialObjectMetadata":
        return lambda obj, first: partial_metadata(obj, shape.api_version)
    return lambda obj, first: obj


class KubeApi:
    """The handlers, over one store and the kinds it holds; ``closing`` ends every open watch."""

    def __init__(self, store: ClientStore, closing: asyncio.Event, kinds: KindRegistry) -> None:
        self.store = store
        self.closing = closing
        self.kinds = kinds

    def _resource(self, request: Request) -> KindSpec:
        params = request.path_params
        resource = self.kinds.by_plural(params["plural"], params["group"], params["version"])
        if resource is None:
            raise _NOT_SERVED
        return resource

    def routes(self) -> list[BaseRoute]:
        def static(document: dict[str, Any]) -> Endpoint:
            return served(lambda request: document)

        def served(document: Callable[[Request], dict[str, Any] | None]) -> Endpoint:
            async def endpoint(request: Request) -> Response:
                found = document(request)
                if found is None:
                    raise _NOT_SERVED
                return _json(found)

            return _answers_errors(endpoint)

        def group_version(request: Request) -> tuple[str, str]:
            return request.path_params["group"], request.path_params["version"]

        return [
            Route("/version", static(version_info(VERSION)), methods=["GET"]),
            Route("/api", static(api_versions()), methods=["GET"]),
            Route("/apis", served(lambda r: api_group_list(self.kinds)), methods=["GET"]),
            Route(
                "/apis/{group}",
                served(lambda r: api_group(self.kinds, r.path_params["group"])),
                methods=["GET"],
            ),
            Route(
                "/apis/{group}/{version}",
                served(lambda r: api_resource_list(self.kinds, *group_version(r))),
                methods=["GET"],
            ),
            Route("/openapi/v3", served(lambda r: openapi_root(self.kinds)), methods=["GET"]),
            Route(
                "/openapi/v3/apis/{group}/{version}",
                served(lambda r: group_version_document(self.kinds, *group_version(r))),
                methods=["GET"],
            ),
            Route("/apis/{group}/{version}/{plural}", _answers_errors(self.collection), methods=["GET"]),
            Route(
                "/apis/{group}/{version}/{plural}/{name}",
                _answers_errors(self.item),
                methods=["GET", "PATCH", "DELETE"],
            ),
        ]

    # -- collections ---------------------------------------------------------------------------

    async def collection(self, request: Request) -> Response:
        resource = self._resource(request)
        params = request.query_params
        matches = selector(params.get("labelSelector"), params.get("fieldSelector"))
        shape = rendering(request.headers.get("accept"))
        include_object = params.get("includeObject") or "Metadata"
        if _flag(params.get("watch")):
            timeout = params.get("timeoutSeconds")
            try:
                seconds = float(timeout) if timeout else None
            except ValueError:
                raise KubeError(400, f"timeoutSeconds={timeout!r} is not a number") from None
            version = params.get("resourceVersion")
            if version and not version.isdigit():
                raise KubeError(400, f"resourceVersion={version!r} is not a version this API gave out")
            return watch_response(
                self.store,
                resource.kind,
                version,
                matches,
                _render(resource, shape, include_object),
                self.closing,
                seconds,
            )
        version = self.store.resource_version
        objects = sorted(self.store.list(resource.kind), key=lambda o: str(o["metadata"]["name"]))
        if matches is not None:
            objects = [o for o in objects if matches(o)]
        if shape.as_ == "Table":
            return _json(table(resource, objects, version, shape.api_version, include_object))
        if shape.as_ == "PartialObjectMetadata":
            return _json(
                {
                    "kind": "PartialObjectMetadataList",
                    "apiVersion": shape.api_version,
                    "metadata": {"resourceVersion": version},
                    "items": [partial_metadata(o, shape.api_version) for o in objects],
                }
            )
        return _json(
            {
                "kind": resource.list_kind,
                "apiVersion": resource.api_version,
                "metadata": {"resourceVersion": version},
                "items": objects,
            }
        )

    # -- one object ----------------------------------------------------------------------------

    async def item(self, request: Request) -> Response:
        resource = self._resource(request)
        name = request.path_params["name"]
        if request.method == "PATCH":
            return await self.patch(request, resource, name)
        if request.method == "DELETE":
            return await self.delete(request, resource, name)
        obj = self._get(resource, name)
        shape = rendering(request.headers.get("accept"))
        render: Render = _render(resource, shape, request.query_params.get("includeObject") or "Metadata")
        return _json(render(obj, True))

    def _get(self, resource: KindSpec, name: str) -> Obj:
        obj = self.store.find(resource.kind, name)
        if obj is None:
            raise not_found(resource.plural, name, resource.group)
        return obj

    async def patch(self, request: Request, resource: KindSpec, name: str) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await request.body()
        current = self._get(resource, name)
        desired = desired_object(current, content_type, body)
        change, precondition = store_patch(resource, current, desired)
        if _dry_run(request, None):
            return _json(merge_patch(current, change))
        if not change:
            return _json(current)
        try:
            return _json(self.store.patch(resource.kind, name, change, resource_version=precondition))
        except StoreError as exc:
            raise from_store(exc, resource.plural, name, resource.group) from None

    async def delete(self, request: Request, resource: KindSpec, name: str) -> Response:
        options = await _delete_options(request)
        current = self._get(resource, name)
        preconditions = options.get("preconditions") or {}
        meta = current["metadata"]
        if preconditions.get("uid") not in (None, meta["uid"]):
            raise conflict(
                resource.plural,
                name,
                f"Precondition failed: UID in precondition: {preconditions['uid']}, UID in object meta: {meta['uid']}",
                resource.group,
            )
        if preconditions.get("resourceVersion") not in (None, meta["resourceVersion"]):
            raise conflict(
                resource.plural,
                name,
                "Precondition failed: ResourceVersion in precondition: "
                f"{preconditions['resourceVersion']}, ResourceVersion in object meta: {meta['resourceVersion']}",
                resource.group,
            )
        if _dry_run(request, options):
            return _json(current)
        deleted = self.store.delete(resource.kind, name)
        if deleted is None:
            raise not_found(resource.plural, name, resource.group)
        # 202 while finalizers keep it (its controller is stopping what it stands for).
        return _json(deleted, 202 if self.store.exists(resource.kind, name) else 200)


async def _delete_options(request: Request) -> dict[str, Any]:
    """The DeleteOptions body kubectl sends (may be empty)."""
    body = await request.body()
    if not body.strip():
        return {}
    try:
        options = json.loads(body)
    except ValueError as exc:
        raise KubeError(400, f"the DeleteOptions body is not valid JSON: {exc}") from None
    if not isinstance(options, dict):
        raise KubeError(400, "the DeleteOptions body must be a JSON object")
    return options


def _dry_run(request: Request, options: dict[str, Any] | None) -> bool:
    """``dryRun=All`` in the query or the DeleteOptions: validate and answer, change nothing."""
    values = request.query_params.getlist("dryRun") + list((options or {}).get("dryRun") or [])
    return "All" in values


def kube_routes(
    store: ClientStore, closing: asyncio.Event, kinds: KindRegistry | None = None
) -> list[BaseRoute]:
    """The routes over ``store``, serving ``kinds`` (default: the process-wide registry)."""
    return KubeApi(store, closing, kinds if kinds is not None else KINDS).routes()
