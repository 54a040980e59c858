"""An in-memory Azure Resource Manager behind the real Azure SDK clients.

No ARM emulator runs on this machine, so the tests put this one where the network would be: a
``requests`` transport adapter (``RequestsTransport(session=...)``) that answers the ARM REST calls
pyspire makes — resource group PUT/GET, a template deployment PUT (201, ``Azure-AsyncOperation`` and
``Location`` headers) that goes Accepted → Running → Succeeded (or Failed with ARM's error body),
deployment GET and cancel, resource existence (HEAD), resource DELETE (202 and a ``Location`` to
poll until gone) and a provider's API versions. Everything above it — the SDK's pipeline, its
bearer-token policy, serialization, error mapping, the LRO poller — is the real client code.

Templates are run just far enough to produce outputs: resources get ids (a storage account its
endpoints and keys), and an ARM expression evaluator handles ``parameters``, ``variables``,
``concat``, ``resourceId``, ``reference``, ``listKeys``, ``resourceGroup``, ``subscription``,
``environment``, ``guid``, ``toLower`` and property access. Like ARM, ``secureString`` outputs come back
without a value, an invalid storage account name fails the deployment with ARM's own words, and an
unknown template function fails it as ``InvalidTemplate``."""

from __future__ import annotations

import io
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
import urllib3
from requests.adapters import BaseAdapter, HTTPAdapter

ARM = "https://management.azure.com"
STORAGE = "microsoft.storage/storageaccounts"
FAILED_TOP = (
    "At least one resource deployment operation failed. Please list deployment operations for details. "
    "Please see https://aka.ms/arm-deployment-operations for usage details."
)


#: The providers the fake knows: namespace → resource type → API versions (newest first, as ARM lists them).
PROVIDERS: dict[str, dict[str, list[str]]] = {
    "microsoft.storage": {"storageAccounts": ["2023-05-01", "2023-01-01"]},
    "microsoft.operationalinsights": {"workspaces": ["2025-02-01-preview", "2023-09-01", "2022-10-01"]},
    "microsoft.authorization": {"roleAssignments": ["2022-04-01", "2020-04-01-preview"]},
}


class TemplateError(Exception):
    """A deployment's failure: ARM's error code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class Deployment:
    id: str
    name: str
    group: str
    template: dict[str, Any]
    parameters: dict[str, Any]
    state: str = "Accepted"
    polls: int = 0
    outputs: dict[str, Any] = field(default_factory=dict)
    output_resources: list[str] = field(default_factory=list)
    error: dict[str, Any] | None = None
    created: float = field(default_factory=time.monotonic)

    def body(self) -> dict[str, Any]:
        props: dict[str, Any] = {
            "provisioningState": self.state,
            "mode": "Incremental",
            "correlationId": "00000000-0000-0000-0000-000000000000",
            "parameters": self.parameters,
        }
        if self.state == "Succeeded":
            props["outputs"] = self.outputs
            props["outputResources"] = [{"id": i} for i in self.output_resources]
        if self.error is not None:
            props["error"] = self.error
        return {"id": self.id, "name": self.name, "type": "Microsoft.Resources/deployments", "properties": props}


class FakeArm:
    """One subscription's ARM. ``steps``: deployment GETs before a deployment ends (the first
    answers Running); ``latency``: seconds a deployment takes at least (as real ones do: the
    benchmark models it); ``hold``: deployments stay Running until released."""

    def __init__(self, subscription: str) -> None:
        self.subscription = subscription
        self.groups: dict[str, dict[str, Any]] = {}
        self.deployments: dict[tuple[str, str], Deployment] = {}
        self.resources: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str]] = []
        self.authorizations: list[str] = []
        #: (method, path, api-version) of every request.
        self.api_versions: list[tuple[str, str, str]] = []
        self.steps = 2
        self.latency = 0.0
        self.hold = False
        #: Only this bearer token is accepted (others: 401 InvalidAuthenticationToken), if set.
        self.accepted_token: str | None = None
        #: Staged failures: [method, path part, status, code, message, times left].
        self.failures: list[list[Any]] = []
        self._deletes: dict[str, tuple[str, int]] = {}
        self._lock = threading.Lock()

    # -- what tests look at ------------------------------------------------------------------------

    def session(self) -> requests.Session:
        s = requests.Session()
        s.mount("https://", _Adapter(self))
        return s

    def calls(self, method: str, path_part: str = "") -> list[str]:
        return [p for m, p in self.requests if m == method and path_part.lower() in p.lower()]

    def deployment_puts(self) -> list[str]:
        return self.calls("PUT", "/providers/microsoft.resources/deployments/")

    def fail(self, method: str, path_part: str, status: int, code: str, message: str, times: int = 1) -> None:
        """Answer the next ``times`` matching requests with ARM's error ``status``/``code``."""
        self.failures.append([method, path_part.lower(), status, code, message, times])

    def delete_out_of_band(self, resource_id: str) -> None:
        with self._lock:
            del self.resources[resource_id.lower()]

    def resource(self, resource_id: str) -> dict[str, Any] | None:
        return self.resources.get(resource_id.lower())

    # -- the REST surface --------------------------------------------------------------------------

    def handle(self, method: str, url: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], Any]:
        parts = urlsplit(url)
        path = parts.path
        with self._lock:
            self.requests.append((method, path))
            self.api_versions.append((method, path, (parse_qs(parts.query).get("api-version") or [""])[0]))
            auth = headers.get("Authorization", "")
            self.authorizations.append(auth)
            if self.accepted_token is not None and auth != f"Bearer {self.accepted_token}":
                return 401, {}, _error("InvalidAuthenticationToken", "The access token is invalid or has expired.")
            for staged in self.failures:
                if staged[5] > 0 and staged[0] == method and staged[1] in path.lower():
                    staged[5] -= 1
                    retry = {"Retry-After": "0"} if staged[2] == 429 or staged[2] >= 500 else {}
                    return staged[2], retry, _error(staged[3], staged[4])
            return self._route(method, path, json.loads(body) if body else None)

    def _route(self, method: str, path: str, body: Any) -> tuple[int, dict[str, str], Any]:
        sub = re.escape(self.subscription)
        low = path.lower()
        if m := re.fullmatch(rf"/subscriptions/{sub}/resourcegroups/([^/]+)", path, re.I):
            return self._group(method, m.group(1), body)
        if m := re.fullmatch(
            rf"/subscriptions/{sub}/resourcegroups/([^/]+)/providers/microsoft\.resources/deployments/([^/]+)(/cancel)?",
            path,
            re.I,
        ):
            return self._deployment(method, m.group(1), m.group(2), bool(m.group(3)), body)
        if m := re.fullmatch(rf"/subscriptions/{sub}/providers/([^/]+)", path, re.I):
            types = PROVIDERS.get(m.group(1).lower())
            if types is None:
                return 404, {}, _error("InvalidResourceNamespace", f"The resource namespace '{m.group(1)}' is invalid.")
            return 200, {}, {"namespace": m.group(1), "resourceTypes": [
                {"resourceType": t, "apiVersions": v} for t, v in types.items()
            ]}
        if m := re.fullmatch(rf"/subscriptions/{sub}/operationresults/([^/]+)", path, re.I):
            return self._delete_progress(m.group(1))
        if low.startswith(f"/subscriptions/{self.subscription.lower()}/resourcegroups/"):
            return self._generic(method, path)
        return 404, {}, _error("NotFound", f"no route for {method} {path}")

    def _group(self, method: str, name: str, body: Any) -> tuple[int, dict[str, str], Any]:
        key = name.lower()
        if method == "PUT":
            created = key not in self.groups
            self.groups[key] = {
                "id": f"/subscriptions/{self.subscription}/resourceGroups/{name}",
                "name": name,
                "location": body["location"],
                "tags": body.get("tags") or {},
                "properties": {"provisioningState": "Succeeded"},
            }
            return (201 if created else 200), {}, self.groups[key]
        if key not in self.groups:
            return 404, {}, _error("ResourceGroupNotFound", f"Resource group '{name}' could not be found.")
        return 200, {}, self.groups[key]

    def _deployment(self, method: str, group: str, name: str, cancel: bool, body: Any) -> tuple[int, dict[str, str], Any]:
        key = (group.lower(), name.lower())
        current = self.deployments.get(key)
        if group.lower() not in self.groups:
            return 404, {}, _error("ResourceGroupNotFound", f"Resource group '{group}' could not be found.")
        if cancel:
            if current is None:
                return 404, {}, _error("DeploymentNotFound", f"Deployment '{name}' could not be found.")
            if current.state not in ("Accepted", "Running"):
                return 409, {}, _error(
                    "DeploymentCannotBeCancelled", f"The deployment '{name}' cannot be cancelled: it is {current.state}."
                )
            current.state = "Canceled"
            return 204, {}, None
        if method == "PUT":
            if current is not None and current.state in ("Accepted", "Running"):
                return 409, {}, _error(
                    "DeploymentActive",
                    f"Unable to edit or replace deployment '{name}': previous deployment from "
                    f"'{current.id}' is still active (current provisioning state: {current.state}).",
                )
            props = body["properties"]
            if props.get("mode") != "Incremental":
                return 400, {}, _error("InvalidDeploymentMode", "fake ARM: pyspire deploys Incremental")
            dep = Deployment(
                f"/subscriptions/{self.subscription}/resourceGroups/{self.groups[group.lower()]['name']}"
                f"/providers/Microsoft.Resources/deployments/{name}",
                name,
                group.lower(),
                props["template"],
                props.get("parameters") or {},
            )
            self.deployments[key] = dep
            op = f"{ARM}{dep.id}/operationStatuses/{uuid.uuid4()}?api-version=2026-06-01"
            return 201, {"Azure-AsyncOperation": op, "Location": op, "Retry-After": "0"}, dep.body()
        if current is None:
            return 404, {}, _error("DeploymentNotFound", f"Deployment '{name}' could not be found.")
        if method == "HEAD":
            return 204, {}, None
        self._advance(current)
        return 200, {}, current.body()

    def _advance(self, dep: Deployment) -> None:
        if dep.state not in ("Accepted", "Running"):
            return
        dep.polls += 1
        dep.state = "Running"
        if self.hold or dep.polls < self.steps or time.monotonic() - dep.created < self.latency:
            return
        try:
            dep.outputs, dep.output_resources = _Run(self, dep).outputs()
            dep.state = "Succeeded"
        except TemplateError as e:
            dep.state = "Failed"
            if e.code == "InvalidTemplate":
                dep.error = {"code": e.code, "message": e.message}
            else:
                dep.error = {"code": "DeploymentFailed", "message": FAILED_TOP, "details": [{"code": e.code, "message": e.message}]}

    def release(self) -> None:
        """Let held deployments finish at their next GET."""
        self.hold = False

    def _generic(self, method: str, path: str) -> tuple[int, dict[str, str], Any]:
        key = path.lower()
        found = self.resources.get(key)
        if method == "HEAD":
            return (204 if found else 404), {}, None
        if method == "GET":
            return (200, {}, found) if found else (404, {}, _error("ResourceNotFound", f"The Resource '{path}' was not found."))
        if method == "DELETE":
            if found is None:
                return 204, {}, None
            op = str(uuid.uuid4())
            self._deletes[op] = (key, 1)
            return 202, {"Location": f"{ARM}/subscriptions/{self.subscription}/operationresults/{op}?api-version=2025-04-01", "Retry-After": "0"}, None
        return 405, {}, _error("MethodNotAllowed", f"fake ARM: {method} on a resource")

    def _delete_progress(self, op: str) -> tuple[int, dict[str, str], Any]:
        key, left = self._deletes[op]
        if left > 0:  # one more 202 before it is gone
            self._deletes[op] = (key, left - 1)
            return 202, {"Location": f"{ARM}/subscriptions/{self.subscription}/operationresults/{op}", "Retry-After": "0"}, None
        self.resources.pop(key, None)
        return 200, {}, None


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


class _Run:
    """One template deployment's evaluation (under the fake's lock)."""

    def __init__(self, arm: FakeArm, dep: Deployment) -> None:
        self.arm, self.dep = arm, dep
        group = arm.groups[dep.group]
        self.group = group
        declared = dep.template.get("parameters") or {}
        self.params: dict[str, Any] = {}
        for name, decl in declared.items():
            if name in dep.parameters:
                self.params[name] = dep.parameters[name]["value"]
            elif "defaultValue" in decl:
                self.params[name] = self.eval(decl["defaultValue"])
            else:
                raise TemplateError("InvalidTemplate", f"Deployment template validation failed: 'The value for the template parameter '{name}' is not provided.'")

    def outputs(self) -> tuple[dict[str, Any], list[str]]:
        created: list[str] = []
        for res in self.dep.template.get("resources") or []:
            created.append(self._create(res))
        outputs: dict[str, Any] = {}
        for name, out in (self.dep.template.get("outputs") or {}).items():
            value = self.eval(out.get("value"))
            typ = str(out.get("type", "string"))
            if typ.lower() in ("securestring", "secureobject"):
                outputs[name] = {"type": typ}  # ARM never returns a secure output's value
            else:
                outputs[name] = {"type": typ, "value": value}
        return outputs, created

    def _create(self, res: dict[str, Any]) -> str:
        typ, name = str(res["type"]), str(self.eval(res["name"]))
        rid = f"{self.group['id']}/providers/{typ}/{name}"
        existing = self.arm.resources.get(rid.lower())
        props = dict(self.eval(res.get("properties") or {}))
        if typ.lower() == STORAGE:
            if not re.fullmatch(r"[a-z0-9]{3,24}", name):
                raise TemplateError(
                    "AccountNameInvalid",
                    f"{name} is not a valid storage account name. Storage account name must be between 3 and 24 "
                    "characters in length and use numbers and lower-case letters only.",
                )
            props["primaryEndpoints"] = {s: f"https://{name}.{s}.core.windows.net/" for s in ("blob", "queue", "table", "file")}
            keys = existing["keys"] if existing else [secrets.token_urlsafe(48), secrets.token_urlsafe(48)]
        else:
            keys = []
        self.arm.resources[rid.lower()] = {
            "id": rid, "name": name, "type": typ, "location": self.eval(res.get("location", self.group["location"])),
            "sku": res.get("sku"), "kind": res.get("kind"), "properties": props, "keys": keys,
        }
        return rid

    # -- ARM expressions ---------------------------------------------------------------------------

    def eval(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self.eval(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.eval(v) for v in value]
        if isinstance(value, str) and value.startswith("[") and value.endswith("]") and not value.startswith("[["):
            return _Parser(value[1:-1], self._call).parse()
        return value

    def _call(self, fn: str, args: list[Any]) -> Any:
        f = fn.lower()
        if f == "parameters":
            return self.params[args[0]]
        if f == "variables":
            return self.eval((self.dep.template.get("variables") or {})[args[0]])
        if f == "concat":
            return "".join(str(a) for a in args)
        if f == "guid":
            return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(str(a) for a in args)))
        if f == "tolower":
            return str(args[0]).lower()
        if f == "resourceid":
            return f"{self.group['id']}/providers/{args[-2]}/{args[-1]}"
        if f == "resourcegroup":
            return {"id": self.group["id"], "name": self.group["name"], "location": self.group["location"]}
        if f == "subscription":
            return {"subscriptionId": self.arm.subscription, "id": f"/subscriptions/{self.arm.subscription}"}
        if f == "environment":
            return {"name": "AzureCloud", "suffixes": {"storage": "core.windows.net"}}
        if f in ("reference", "listkeys"):
            target = self.arm.resources.get(str(args[0]).lower())
            if target is None:
                raise TemplateError("ResourceNotFound", f"The Resource '{args[0]}' was not found.")
            if f == "reference":
                return target["properties"]
            return {"keys": [{"keyName": f"key{i + 1}", "value": k, "permissions": "FULL"} for i, k in enumerate(target["keys"])]}
        raise TemplateError("InvalidTemplate", f"Deployment template validation failed: 'The template function '{fn}' is not valid.'")


class _Parser:
    """ARM's expression syntax: ``fn(arg, ...)``, ``'string'`` (``''`` escapes), numbers, ``.prop``
    and ``[index]`` after a call."""

    TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>-?\d+)|(?P<id>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>[(),.\[\]]))")

    def __init__(self, text: str, call: Callable[[str, list[Any]], Any]) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text.rstrip()):
            m = self.TOKEN.match(text, pos)
            if m is None:
                raise TemplateError("InvalidTemplate", f"Unable to parse language expression '{text}'")
            kind = m.lastgroup or ""
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0
        self.call = call

    def parse(self) -> Any:
        value = self._expr()
        return value

    def _next(self) -> tuple[str, str]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def _peek(self) -> str:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else ""

    def _expr(self) -> Any:
        kind, text = self._next()
        if kind == "str":
            value: Any = text[1:-1].replace("''", "'")
        elif kind == "num":
            value = int(text)
        else:
            self._next()  # (
            args: list[Any] = []
            while self._peek() != ")":
                args.append(self._expr())
                if self._peek() == ",":
                    self._next()
            self._next()  # )
            value = self.call(text, args)
        while self._peek() in (".", "["):
            if self._next()[1] == ".":
                prop = self._next()[1]
                value = next((v for k, v in value.items() if k.lower() == prop.lower()), None)
            else:
                index = self._expr()
                self._next()  # ]
                value = value[index]
        return value


class _Adapter(BaseAdapter):
    """A ``requests`` adapter answering from :class:`FakeArm` with real ``urllib3`` responses."""

    def __init__(self, arm: FakeArm) -> None:
        super().__init__()
        self.arm = arm
        self._build = HTTPAdapter()

    def send(self, request: requests.PreparedRequest, **_: Any) -> requests.Response:  # type: ignore[override]
        body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
        status, headers, payload = self.arm.handle(str(request.method), str(request.url), dict(request.headers), body)
        data = b"" if payload is None else json.dumps(payload).encode()
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(data),
            headers={"Content-Type": "application/json; charset=utf-8", "Content-Length": str(len(data)), **headers},
            status=status,
            preload_content=False,
            decode_content=False,
        )
        return self._build.build_response(request, raw)

    def close(self) -> None:
        self._build.close()
