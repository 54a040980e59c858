"""The CLI's client of one app host's control API (httpx, synchronous: a CLI does one thing at
a time). Every request carries the run's bearer token; API errors become :class:`ApiError` with
the server's own message, a dead app host becomes :class:`AppHostUnreachable`.

Names given by the user go into URL paths one escaped segment each (:func:`path_segment`), so no
name can turn into another path. Answers are checked for the shape the commands read
(:func:`_shaped`): an app host of another version, or something else listening there, gives
:class:`UnexpectedAnswer` with what was missing, never a ``KeyError``."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

import httpx
from httpx_sse import connect_sse

from pyspire.errors import PyspireError, TemporaryError
from pyspire.runtime.apphosts import RunningAppHost


class ApiError(PyspireError):
    """The app host answered with an error; the message is the server's own."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class UnexpectedAnswer(ApiError):
    """The app host answered, but not with what this CLI reads."""


class AppHostUnreachable(TemporaryError):
    """The app host's API does not answer (it is stopping, or was killed)."""


class AppHostClient:
    def __init__(self, host: RunningAppHost, timeout: float = 10.0) -> None:
        self.host = host
        self._http = httpx.Client(
            base_url=host.api_url,
            headers={"Authorization": f"Bearer {host.token}"},
            timeout=httpx.Timeout(timeout, read=None),
            # Plain HTTP on loopback: loading the CA bundle would cost ~20 ms per command for nothing.
            verify=not host.api_url.startswith("http://"),
        )

    def __enter__(self) -> AppHostClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise AppHostUnreachable(
                f"the app host {self.host.app_host} (pid {self.host.pid}) does not answer at "
                f"{self.host.api_url}: {exc}"
            ) from None
        _raise_for(response)
        return _json(response.text, f"{method} {path}", response.status_code)

    def info(self) -> dict[str, Any]:
        return _shaped(self._request("GET", "/v1/info"), "the app host's info", resources=dict)

    def resources(self) -> list[dict[str, Any]]:
        listing = _shaped(self._request("GET", "/v1/resources"), "the resource list", resources=list)
        return [_snapshot(item) for item in listing["resources"]]

    def resource(self, name: str) -> dict[str, Any]:
        return _snapshot(self._request("GET", f"/v1/resources/{path_segment(name)}"))

    def command(self, name: str, command: str, arguments: dict[str, str] | None = None) -> dict[str, Any]:
        path = f"/v1/resources/{path_segment(name)}/commands/{path_segment(command)}"
        body = {"json": {"arguments": arguments}} if arguments else {}
        result = _shaped(self._request("POST", path, **body), "the command's result", success=bool, snapshot=dict)
        _snapshot(result["snapshot"])
        if not isinstance(result.get("message"), str | None):
            raise UnexpectedAnswer(200, f"the command's result has a message that is not text: {result['message']!r}")
        return result

    def stop(self) -> None:
        self._request("POST", "/v1/stop")

    def dashboard_login(self) -> str:
        """A fresh one-time login link for the app host's dashboard (``POST /v1/dashboard/login``)."""
        answer = _shaped(self._request("POST", "/v1/dashboard/login"), "the dashboard's login answer", url=str)
        return str(answer["url"])

    def set_parameter(self, name: str, value: str, save: bool) -> dict[str, Any]:
        """Supply a parameter's or connection string's value (``PUT /v1/parameters/{name}``)."""
        path = f"/v1/parameters/{path_segment(name)}"
        answer = self._request("PUT", path, json={"value": value, "save": save})
        result = _shaped(answer, "the parameter's answer", saved=bool, snapshot=dict)
        _snapshot(result["snapshot"])
        return result

    def get(self, path: str, params: Mapping[str, str | list[str]] | None = None) -> Any:
        """``GET path`` as parsed JSON (the commands built on the telemetry read API shape-check it)."""
        return self._request("GET", path, params=params)

    def delete(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        return self._request("DELETE", path, params=params)

    def events(self, path: str, params: Mapping[str, str | list[str]]) -> Iterator[tuple[str, Any]]:
        """``(event, data)`` pairs of the server-sent event stream at ``path`` (``watch=1``),
        ``data`` parsed as JSON; ends when the app host closes the stream."""
        try:
            with connect_sse(self._http, "GET", path, params=params) as source:
                _raise_for(source.response)
                for event in source.iter_sse():
                    yield event.event, _json(event.data, "the event stream", 200) if event.data else {}
        except httpx.TransportError as exc:
            raise AppHostUnreachable(f"lost the app host's event stream: {exc}") from None

    def watch(self, resource: str | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(event, data)`` pairs: ``snapshot`` for each resource, ``synced`` once the current
        ones are in, then ``snapshot`` for every change; ends with ``closing``."""
        params = {"watch": "1", **({"resource": resource} if resource else {})}
        try:
            with connect_sse(self._http, "GET", "/v1/resources", params=params) as source:
                _raise_for(source.response)
                for event in source.iter_sse():
                    data = _json(event.data, "the event stream", 200) if event.data else {}
                    yield event.event, _snapshot(data) if event.event == "snapshot" else data
        except httpx.TransportError as exc:
            raise AppHostUnreachable(f"lost the app host's event stream: {exc}") from None

    def logs(
        self, resource: str | None, replica: str | None, tail: int | None, follow: bool
    ) -> Iterator[dict[str, Any]]:
        """Log lines as dicts (resource, replica, stream, timestamp, text)."""
        path = f"/v1/resources/{path_segment(resource)}/logs" if resource else "/v1/logs"
        params: dict[str, str] = {"format": "ndjson"}
        if replica:
            params["replica"] = replica
        if tail is not None:
            params["tail"] = str(tail)
        if follow:
            params["follow"] = "1"
        try:
            with self._http.stream("GET", path, params=params) as response:
                if response.status_code >= 400:
                    response.read()
                    _raise_for(response)
                for line in response.iter_lines():
                    if line.strip():
                        yield _shaped(_json(line, "the log stream", 200), "a log line", **_LOG_LINE)
        except httpx.TransportError as exc:
            raise AppHostUnreachable(f"lost the app host's log stream: {exc}") from None


def path_segment(value: str) -> str:
    """``value`` as one URL path segment. Every reserved character is percent-encoded, and so is
    '.': httpx (like any URL library) resolves ``.`` and ``..`` segments before sending, which
    would turn ``../../../stop`` into ``/stop``. The server decodes ``%2E`` back to '.'."""
    return quote(value, safe="").replace(".", "%2E")


#: What the commands read from a snapshot: top-level fields, and the fields of each listed item.
_SNAPSHOT_FIELDS: dict[str, type | tuple[type, ...]] = {"name": str, "state": str, "resource_type": str}
_SNAPSHOT_ITEMS = {
    "replicas": ("name", "state"),
    "urls": ("endpoint", "url"),
    "env": ("name", "value"),
    "health_reports": ("name", "status"),
    "relationships": ("type", "resource"),
    "commands": ("name", "state"),
}
_LOG_LINE: dict[str, type | tuple[type, ...]] = {
    "resource": str, "replica": str, "stream": str, "timestamp": str, "text": str,
}


def _json(text: str, what: str, status: int) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise UnexpectedAnswer(status, f"{what}: the app host's answer is not JSON: {text[:200]!r}") from None


def _shaped(data: Any, what: str, **fields: type | tuple[type, ...]) -> dict[str, Any]:
    """``data`` if it is an object with ``fields`` of those types, else :class:`UnexpectedAnswer`."""
    if not isinstance(data, dict):
        raise UnexpectedAnswer(200, f"{what} is not a JSON object: {json.dumps(data)[:200]}")
    for name, kind in fields.items():
        if not isinstance(data.get(name), kind):
            raise UnexpectedAnswer(
                200,
                f"{what} has no valid '{name}' (got {json.dumps(data.get(name))[:100]}); "
                "is the app host running another pyspire version? (pyspire --version)",
            )
    return data


def _snapshot(data: Any) -> dict[str, Any]:
    snapshot = _shaped(data, "a resource snapshot", **_SNAPSHOT_FIELDS)
    for key, fields in _SNAPSHOT_ITEMS.items():
        items = snapshot.get(key) or []
        what = f"resource {snapshot['name']!r}: {key}"
        for item in items if isinstance(items, list) else [items]:
            _shaped(item, what, **dict.fromkeys(fields, str))
    return snapshot


def _raise_for(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        response.read()
        message = str(response.json().get("message") or response.text)
    except (ValueError, AttributeError, httpx.ResponseNotRead):
        message = response.text
    raise ApiError(response.status_code, message)


def shaped(data: Any, what: str, **fields: type | tuple[type, ...]) -> dict[str, Any]:
    """``data`` if it is an object with ``fields`` of those types, else :class:`UnexpectedAnswer`
    (for the commands that read other parts of the API, such as telemetry)."""
    return _shaped(data, what, **fields)
