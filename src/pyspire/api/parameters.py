"""``PUT /v1/parameters/{name}``: supply a parameter's or connection string's value while the app
host runs (what ``pyspire parameter set`` calls).

The body is ``{"value": "...", "save": false}``. The value goes to the resource's handler, so
resources waiting for it start; with ``save`` it is also kept in ``.pyspire/settings.json`` for
the next runs. Answers: 200 with the resource's snapshot (a secret value masked, as everywhere),
404 for a name that is no resource, 409 for a resource that is not a parameter or connection
string, 400 for a body that is not that object. No answer and no error quotes the value.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from pyspire.api.context import ApiContext
from pyspire.api.queries import parsed
from pyspire.api.resources import resource_or_404, snapshot_json
from pyspire.errors import ConfigurationError

PARAMETER_PATH = "/v1/parameters/{name}"
_BODY_FIELDS = {"value": str, "save": bool}
_EXAMPLE = '{"value": "...", "save": false}'


def _kind(value: object) -> str:
    return {bool: "a boolean", int: "a number", float: "a number", type(None): "null", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__
    )


def parse_body(raw: bytes) -> tuple[str, bool]:
    """``(value, save)`` from the request body; 400 naming what is wrong (never the value)."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise HTTPException(400, f"the body is not JSON; send {_EXAMPLE}") from None
    if not isinstance(body, dict):
        raise HTTPException(400, f"the body is {_kind(body)}, not a JSON object; send {_EXAMPLE}")
    unknown = sorted(set(body) - set(_BODY_FIELDS))
    if unknown:
        raise HTTPException(400, f"unknown field(s) {', '.join(map(repr, unknown))}; send {_EXAMPLE}")
    if "value" not in body:
        raise HTTPException(400, f"'value' is missing; send {_EXAMPLE}")
    for field, kind in _BODY_FIELDS.items():
        if field in body and not isinstance(body[field], kind):
            wanted = "a string" if kind is str else "true or false"
            raise HTTPException(400, f"'{field}' must be {wanted}, not {_kind(body[field])}; send {_EXAMPLE}")
    return body["value"], body.get("save", False)


def parameter_routes(context: ApiContext) -> list[BaseRoute]:
    async def set_parameter(request: Request) -> Response:
        parsed(request)
        name = request.path_params["name"]
        resource_or_404(context, name)
        value, save = parse_body(await request.body())
        try:
            snapshot = context.executor.set_value(name, value, save)
        except ConfigurationError as exc:  # save, and the settings file cannot be written
            raise HTTPException(500, f"the value was not supplied: {exc}") from None
        except ValueError as exc:  # not a parameter or connection string
            raise HTTPException(409, str(exc)) from None
        answer: dict[str, Any] = {"resource": name, "saved": save, "snapshot": snapshot_json(snapshot)}
        return JSONResponse(answer)

    return [Route(PARAMETER_PATH, set_parameter, methods=["PUT"])]
