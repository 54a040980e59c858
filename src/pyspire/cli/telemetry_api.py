"""The CLI's reader of the telemetry read API (``/v1/telemetry/…`` on the control API).

Each call checks the answer has the shape the commands print (see docs/telemetry.md), so an
app host of another version gives a one-line :class:`UnexpectedAnswer`, never a ``KeyError``.
When the app host runs without telemetry (``PYSPIRE_TELEMETRY=0``) its control API has no
telemetry routes: a 404 there becomes :class:`TelemetryOff`, which says how to turn it on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pyspire.cli.client import ApiError, AppHostClient, path_segment, shaped
from pyspire.cli.telemetry_filters import Params

Fields = dict[str, type | tuple[type, ...]]
#: The fields the commands read, per record kind.
_LOG: Fields = {"id": int, "time": str, "severity": str, "body": str, "resource": str}
_SUMMARY: Fields = {"trace_id": str, "name": str, "resource": str, "start": str, "span_count": int}
_SPAN: Fields = {"trace_id": str, "span_id": str, "name": str, "resource": str, "start_ms": (int, float)}
_INSTRUMENT: Fields = {"name": str, "kind": str, "resource": str}
_SERIES: Fields = {"resource": str, "points": list}


class TelemetryOff(ApiError):
    """The app host keeps no telemetry."""


class TelemetryApi:
    """The telemetry read API of one app host, through its control API client."""

    def __init__(self, client: AppHostClient) -> None:
        self.client = client

    def _get(self, path: str, params: Params | None = None) -> Any:
        try:
            return self.client.get(path, params)
        except ApiError as exc:
            raise self._explained(exc) from None

    def _explained(self, exc: ApiError) -> ApiError:
        """A 404 from an app host whose ``/v1/info`` lists no OTLP receiver: telemetry is off
        there (a 404 naming a trace id, from an app host that has telemetry, stays as it is)."""
        if exc.status != 404 or self.enabled():
            return exc
        return TelemetryOff(
            404,
            f"the app host {self.client.host.app_host} keeps no telemetry (PYSPIRE_TELEMETRY=0 in its "
            "environment or .env); unset it and restart the app host to collect logs, traces and metrics",
        )

    def enabled(self) -> bool:
        """Whether the app host runs the telemetry service (it lists its OTLP addresses)."""
        urls = self.client.info().get("urls") or {}
        return isinstance(urls, dict) and any(str(name).startswith("otlp") for name in urls)

    def logs(self, params: Params) -> list[dict[str, Any]]:
        page = shaped(self._get("/v1/telemetry/logs", params), "the structured logs", items=list)
        return [shaped(item, "a log record", **_LOG) for item in page["items"]]

    def follow_logs(self, params: Params) -> Iterator[list[dict[str, Any]]]:
        """Batches of log records: the matching page first, then each batch of new ones."""
        try:
            for event, data in self.client.events("/v1/telemetry/logs", {**params, "watch": "1"}):
                if event == "logs":
                    batch = shaped(data, "the structured log stream", items=list)
                    yield [shaped(item, "a log record", **_LOG) for item in batch["items"]]
        except ApiError as exc:
            raise self._explained(exc) from None

    def traces(self, params: Params) -> list[dict[str, Any]]:
        page = shaped(self._get("/v1/telemetry/traces", params), "the trace list", items=list)
        return [shaped(item, "a trace summary", **_SUMMARY) for item in page["items"]]

    def trace(self, trace_id: str) -> dict[str, Any]:
        answer = shaped(self._get(f"/v1/telemetry/traces/{path_segment(trace_id)}"), "the trace", **_SUMMARY, spans=list)
        for span in answer["spans"]:
            shaped(span, "a span", **_SPAN)
        return answer

    def spans(self, params: Params) -> list[dict[str, Any]]:
        page = shaped(self._get("/v1/telemetry/spans", params), "the span list", items=list)
        return [shaped(item, "a span", **_SPAN) for item in page["items"]]

    def instruments(self, params: Params) -> list[dict[str, Any]]:
        page = shaped(self._get("/v1/telemetry/metrics", params), "the instrument list", items=list)
        return [shaped(item, "an instrument", **_INSTRUMENT) for item in page["items"]]

    def metric(self, name: str, params: Params) -> dict[str, Any]:
        answer = shaped(
            self._get(f"/v1/telemetry/metrics/{path_segment(name)}", params), "the metric", instrument=dict, series=list
        )
        for series in answer["series"]:
            shaped(series, "a metric series", **_SERIES)
        return answer

    def stats(self) -> dict[str, Any]:
        return shaped(self._get("/v1/telemetry/stats"), "the telemetry stats", logs=dict, spans=dict)
