"""The OpenAPI 3.1 description of the resource API, served at ``/v1/openapi.json``.

Schemas are derived from the snapshot dataclasses themselves, so the description cannot drift
from what the API sends. (The object API under ``/apis`` follows Kubernetes conventions and is
described by them instead.)
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from pyspire._version import VERSION
from pyspire.api.queries import LIST_QUERIES, LOG_QUERIES, RESOURCE_LOG_QUERIES, Query
from pyspire.executor.snapshots import (
    CommandArgumentSnapshot,
    CommandSnapshot,
    EnvVar,
    HealthReport,
    Relationship,
    ReplicaSnapshot,
    ResourceSnapshot,
    Url,
)

OPENAPI_PATH = "/v1/openapi.json"

_MODELS: tuple[type[Any], ...] = (
    ResourceSnapshot,
    ReplicaSnapshot,
    EnvVar,
    Url,
    Relationship,
    HealthReport,
    CommandSnapshot,
    CommandArgumentSnapshot,
)
_SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean"}
#: Fields whose JSON shape differs from their Python type (see ``resources.snapshot_json``).
_OVERRIDES = {("ResourceSnapshot", "properties"): {"type": "object", "additionalProperties": {"type": "string"}}}


def _schema_of(annotation: Any) -> dict[str, Any]:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation in _SCALARS:
        return {"type": _SCALARS[annotation]}
    if origin in (typing.Union, types.UnionType):
        options = [_schema_of(a) for a in args if a is not type(None)]
        schema = options[0] if len(options) == 1 else {"anyOf": options}
        return {"anyOf": [schema, {"type": "null"}]} if type(None) in args else schema
    if origin is tuple:
        return {"type": "array", "items": _schema_of(args[0])}
    if isinstance(annotation, type) and issubclass(annotation, enum.StrEnum):
        return {"type": "string", "enum": [member.value for member in annotation]}
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        return {"$ref": f"#/components/schemas/{annotation.__name__}"}
    raise TypeError(f"no JSON schema for {annotation!r}")


def _model_schema(model: type[Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(model)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for field in dataclasses.fields(model):
        properties[field.name] = _OVERRIDES.get((model.__name__, field.name)) or _schema_of(hints[field.name])
        if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            required.append(field.name)
    doc = (model.__doc__ or "").strip().split("\n\n")[0]
    return {"type": "object", "description": doc, "properties": properties, "required": required}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _param(name: str, where: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": where, "required": where == "path", "schema": schema, "description": description}


def _queries(queries: tuple[Query, ...]) -> list[dict[str, Any]]:
    return [_param(q.name, "query", q.schema(), q.description) for q in queries]


_NAME = _param("name", "path", {"type": "string"}, "resource name")
_ERROR = _json(_ref("Status"), "a Kubernetes-style Status object whose 'message' says what was wrong")
_UNAUTHORIZED = {"401": _json(_ref("Status"), "missing or wrong bearer token")}


def _paths() -> dict[str, Any]:
    logs_ok = {
        "description": "lines as text, or LogLine objects as newline-delimited JSON",
        "content": {"text/plain": {"schema": {"type": "string"}}, "application/x-ndjson": {"schema": _ref("LogLine")}},
    }
    return {
        "/v1/info": {
            "get": {
                "summary": "The app host: name, path, pid, start time, version, URLs, resource counts",
                "operationId": "getInfo",
                "responses": {"200": _json(_ref("AppHostInfo"), "the app host"), **_UNAUTHORIZED},
            }
        },
        "/v1/resources": {
            "get": {
                "summary": "Every resource's snapshot, or (watch=true) a stream of them",
                "operationId": "listResources",
                "parameters": _queries(LIST_QUERIES),
                "responses": {
                    "200": {
                        "description": "the snapshots; with watch, a text/event-stream of 'snapshot' events "
                        "(data: a ResourceSnapshot, id: its version), one 'synced' event once the current "
                        "ones are sent, ': keep-alive' comments, and a 'closing' event when the app host stops",
                        "content": {
                            "application/json": {"schema": _ref("ResourceList")},
                            "text/event-stream": {"schema": {"type": "string"}},
                        },
                    },
                    **_UNAUTHORIZED,
                },
            }
        },
        "/v1/resources/{name}": {
            "get": {
                "summary": "One resource's snapshot",
                "operationId": "getResource",
                "parameters": [_NAME],
                "responses": {"200": _json(_ref("ResourceSnapshot"), "the snapshot"), "404": _ERROR, **_UNAUTHORIZED},
            }
        },
        "/v1/resources/{name}/logs": {
            "get": {
                "summary": "Console output of a resource (or one replica)",
                "operationId": "getResourceLogs",
                "parameters": [_NAME, *_queries(RESOURCE_LOG_QUERIES)],
                "responses": {"200": logs_ok, "400": _ERROR, "404": _ERROR, **_UNAUTHORIZED},
            }
        },
        "/v1/logs": {
            "get": {
                "summary": "Console output of every resource, interleaved by time",
                "operationId": "getLogs",
                "parameters": _queries(LOG_QUERIES),
                "responses": {"200": logs_ok, "400": _ERROR, **_UNAUTHORIZED},
            }
        },
        "/v1/resources/{name}/commands/{command}": {
            "post": {
                "summary": "Run a command (start, stop, restart, or a custom one) and return its result",
                "operationId": "executeCommand",
                "parameters": [_NAME, _param("command", "path", {"type": "string"}, "command name")],
                "requestBody": {
                    "required": False,
                    **_json(
                        {
                            "type": "object",
                            "properties": {"arguments": {"type": "object", "additionalProperties": {"type": "string"}}},
                        },
                        "the command's arguments (optional)",
                    ),
                },
                "responses": {
                    "200": _json(_ref("CommandResult"), "the command ran; 'success' says how it went"),
                    "400": _json(
                        _ref("Status"),
                        "the body is not {\"arguments\": {...}} of text, names an argument the command does not "
                        "declare, or leaves out a required one; the command did not run",
                    ),
                    "404": _ERROR,
                    **_UNAUTHORIZED,
                },
            }
        },
        "/v1/parameters/{name}": {
            "put": {
                "summary": "Supply a parameter's or connection string's value while the app host runs; "
                "resources waiting for it start (save: keep it in .pyspire/settings.json too)",
                "operationId": "setParameter",
                "parameters": [_NAME],
                "requestBody": {"required": True, **_json(_ref("ParameterValue"), "the value")},
                "responses": {
                    "200": _json(_ref("ParameterSet"), "supplied; the snapshot masks a secret value"),
                    "400": _ERROR,
                    "404": _ERROR,
                    "409": _json(_ref("Status"), "the resource is not a parameter or connection string"),
                    **_UNAUTHORIZED,
                },
            }
        },
        "/v1/stop": {
            "post": {
                "summary": "Stop the app host (every resource, then the app host itself)",
                "operationId": "stopAppHost",
                "responses": {
                    "202": _json({"type": "object", "properties": {"stopping": {"type": "boolean"}, "pid": {"type": "integer"}}}, "stopping"),
                    **_UNAUTHORIZED,
                },
            }
        },
        OPENAPI_PATH: {
            "get": {
                "summary": "This description",
                "operationId": "getOpenApi",
                "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1"), **_UNAUTHORIZED},
            }
        },
    }


def _extra_schemas() -> dict[str, Any]:
    string, nullable_string = {"type": "string"}, {"anyOf": [{"type": "string"}, {"type": "null"}]}
    return {
        "ResourceList": {
            "type": "object",
            "properties": {"version": {"type": "integer"}, "resources": {"type": "array", "items": _ref("ResourceSnapshot")}},
            "required": ["version", "resources"],
        },
        "CommandResult": {
            "type": "object",
            "properties": {
                "resource": string,
                "command": string,
                "success": {"type": "boolean"},
                "message": nullable_string,
                "snapshot": _ref("ResourceSnapshot"),
            },
            "required": ["resource", "command", "success", "message", "snapshot"],
        },
        "ParameterValue": {
            "type": "object",
            "properties": {"value": string, "save": {"type": "boolean", "default": False}},
            "required": ["value"],
            "additionalProperties": False,
        },
        "ParameterSet": {
            "type": "object",
            "properties": {"resource": string, "saved": {"type": "boolean"}, "snapshot": _ref("ResourceSnapshot")},
            "required": ["resource", "saved", "snapshot"],
        },
        "LogLine": {
            "type": "object",
            "properties": {
                "resource": string,
                "replica": string,
                "stream": {"enum": ["stdout", "stderr", "system"]},
                "timestamp": {"type": "string", "format": "date-time"},
                "text": string,
            },
            "required": ["resource", "replica", "stream", "timestamp", "text"],
        },
        "AppHostInfo": {
            "type": "object",
            "properties": {
                **{k: string for k in ("name", "app_host", "app_dir", "run_id", "started_at", "version")},
                "pid": {"type": "integer"},
                "urls": {"type": "object", "additionalProperties": string},
                "resources": {
                    "type": "object",
                    "properties": {
                        "total": {"type": "integer"},
                        "states": {"type": "object", "additionalProperties": {"type": "integer"}},
                    },
                },
            },
        },
        "Status": {
            "type": "object",
            "properties": {"kind": string, "status": string, "reason": string, "code": {"type": "integer"}, "message": string},
        },
    }


def openapi_document() -> dict[str, Any]:
    schemas = {model.__name__: _model_schema(model) for model in _MODELS}
    schemas.update(_extra_schemas())
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "pyspire control API",
            "version": VERSION,
            "description": "Inspect, follow and command a running pyspire app host. Every request needs "
            "'Authorization: Bearer <token>' with the token from the app host's run file.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": schemas},
        "paths": _paths(),
    }


def openapi_routes() -> list[BaseRoute]:
    document = openapi_document()

    async def serve(request: Request) -> Response:
        return JSONResponse(document)

    return [Route(OPENAPI_PATH, serve, methods=["GET"])]
