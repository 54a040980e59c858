"""The resource API's query parameters, declared once: the routes parse with these declarations
and the OpenAPI document describes them, so what is accepted and what is documented agree.

A value that does not fit (``timestamps=-1``, ``format=null``, ``tail=many``), a parameter given
twice, or one the route does not take is answered 400 with the parameter named and what it
accepts. An ignored typo (``folow=1``) would otherwise look like a server that does not follow.
An empty value (``tail=``) means the parameter was not given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from starlette.exceptions import HTTPException
from starlette.requests import Request

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


@dataclass(frozen=True)
class Query:
    name: str
    kind: Literal["boolean", "count", "choice", "text"]
    description: str
    choices: tuple[str, ...] = ()

    def schema(self) -> dict[str, Any]:
        if self.kind == "count":
            return {"type": "integer", "minimum": 0}
        if self.kind == "choice":
            return {"enum": list(self.choices)}
        return {"type": "boolean" if self.kind == "boolean" else "string"}

    def parse(self, raw: str) -> bool | int | str:
        """The value ``raw`` stands for; HTTPException 400 when it stands for none."""
        if self.kind == "text":
            return raw
        if self.kind == "boolean":
            if raw.lower() in _TRUE + _FALSE:
                return raw.lower() in _TRUE
            accepted = "true or false (also 1/0, yes/no, on/off)"
        elif self.kind == "count":
            if raw.isascii() and raw.isdigit():
                return int(raw)
            accepted = "a whole number, 0 or more"
        elif raw in self.choices:
            return raw
        else:
            accepted = "one of " + ", ".join(self.choices)
        raise HTTPException(400, f"query parameter '{self.name}' must be {accepted}, not {raw!r}")


WATCH = Query("watch", "boolean", "stream as Server-Sent Events")
ONLY_RESOURCE = Query("resource", "text", "with watch: only this resource")
REPLICA = Query("replica", "text", "a replica's name or suffix")
TAIL = Query("tail", "count", "only the last N lines (per resource)")
FOLLOW = Query("follow", "boolean", "keep the response open and send new lines as they come")
TIMESTAMPS = Query("timestamps", "boolean", "prefix text lines with their RFC 3339 time")
FORMAT = Query("format", "choice", "ndjson: one LogLine object per line", ("text", "ndjson"))

LIST_QUERIES = (WATCH, ONLY_RESOURCE)
LOG_QUERIES = (TAIL, FOLLOW, TIMESTAMPS, FORMAT)
RESOURCE_LOG_QUERIES = (REPLICA, *LOG_QUERIES)


def parsed(request: Request, accepted: Sequence[Query] = ()) -> dict[str, Any]:
    """The request's query parameters by name (absent or empty ones left out), each parsed by
    its declaration; 400 for anything else."""
    declared = {query.name: query for query in accepted}
    values: dict[str, Any] = {}
    params = request.query_params
    for name in dict.fromkeys(params.keys()):
        query = declared.get(name)
        if query is None:
            takes = ", ".join(declared) or "none"
            raise HTTPException(
                400, f"{request.method} {request.url.path} takes no query parameter {name!r} (it takes: {takes})"
            )
        raws = [raw for raw in params.getlist(name) if raw != ""]
        if len(raws) > 1:
            raise HTTPException(400, f"query parameter '{name}' is given {len(raws)} times; give it once")
        if raws:
            values[name] = query.parse(raws[0])
    return values
