"""The CLI's client of one app host's control API (httpx, synchronous: a CLI does one thing at
a time). Every request carries the run's bearer token; API errors become :class:`ApiError` with
the server's own message, a dead app host becomes :class:`AppHostUnreachable`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
from httpx_sse import connect_sse

from pyspire.runtime.apphosts import RunningAppHost


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class AppHostUnreachable(Exception):
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
        return response.json()

    def info(self) -> dict[str, Any]:
        return dict(self._request("GET", "/v1/info"))

    def resources(self) -> list[dict[str, Any]]:
        return list(self._request("GET", "/v1/resources")["resources"])

    def resource(self, name: str) -> dict[str, Any]:
        return dict(self._request("GET", f"/v1/resources/{name}"))

    def command(self, name: str, command: str) -> dict[str, Any]:
        return dict(self._request("POST", f"/v1/resources/{name}/commands/{command}"))

    def stop(self) -> None:
        self._request("POST", "/v1/stop")

    def watch(self, resource: str | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
        """``(event, data)`` pairs: ``snapshot`` for each resource, ``synced`` once the current
        ones are in, then ``snapshot`` for every change; ends with ``closing``."""
        params = {"watch": "1", **({"resource": resource} if resource else {})}
        try:
            with connect_sse(self._http, "GET", "/v1/resources", params=params) as source:
                _raise_for(source.response)
                for event in source.iter_sse():
                    yield event.event, json.loads(event.data) if event.data else {}
        except httpx.TransportError as exc:
            raise AppHostUnreachable(f"lost the app host's event stream: {exc}") from None

    def logs(
        self, resource: str | None, replica: str | None, tail: int | None, follow: bool
    ) -> Iterator[dict[str, Any]]:
        """Log lines as dicts (resource, replica, stream, timestamp, text)."""
        path = f"/v1/resources/{resource}/logs" if resource else "/v1/logs"
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
                        yield json.loads(line)
        except httpx.TransportError as exc:
            raise AppHostUnreachable(f"lost the app host's log stream: {exc}") from None


def _raise_for(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        response.read()
        message = str(response.json().get("message") or response.text)
    except (ValueError, AttributeError, httpx.ResponseNotRead):
        message = response.text
    raise ApiError(response.status_code, message)
