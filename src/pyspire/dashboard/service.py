"""The ``dashboard`` app host service: serves the page on 127.0.0.1 beside the control API.

It runs on the app host's own event loop: all it does is move bytes between a socket and the
control API (which runs on that loop too), so a thread of its own would only add a hop.
Started after the control API listens, it prints ``Login: <one-time link>`` and adds
``urls["dashboard"]``; the control API gains ``POST /v1/dashboard/login`` → ``{url}``, a fresh
link (what ``pyspire dashboard`` opens). ``PYSPIRE_DASHBOARD=0`` turns it off.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from pyspire.dashboard.auth import DashboardAuth
from pyspire.dashboard.forward import ApiForwarder
from pyspire.dashboard.server import DashboardApp
from pyspire.dashboard.settings import DashboardSettingError, DashboardSettings
from pyspire.extensions import AppHostServiceContext, AppHostSetup, HttpServer, TelemetryEnv


class DashboardService:
    name = "dashboard"

    def __init__(self, setup: AppHostSetup, settings: DashboardSettings) -> None:
        self.setup = setup
        self.settings = settings
        self.auth = DashboardAuth()
        self.app: DashboardApp | None = None
        self._server: HttpServer | None = None
        self._forwarder: ApiForwarder | None = None

    @property
    def url(self) -> str | None:
        """``http://127.0.0.1:PORT`` once listening."""
        return self.app.origin if self.app is not None and self.app.origin else None

    def login_url(self) -> str:
        """A fresh one-time login link (works once, for 15 minutes)."""
        if self.url is None:
            raise HTTPException(503, "the dashboard is still starting; ask again in a moment")
        return f"{self.url}/login?t={self.auth.new_login_token()}"

    def routes(self) -> Sequence[BaseRoute]:
        async def login(request: Request) -> JSONResponse:
            return JSONResponse({"url": self.login_url()})

        return [Route("/v1/dashboard/login", login, methods=["POST"])]

    def telemetry_env(self) -> TelemetryEnv | None:
        return None

    async def start(self, context: AppHostServiceContext) -> None:
        self._forwarder = ApiForwarder(context.api_url, context.api_token)
        app = DashboardApp(self.auth, self._forwarder)
        self._server = HttpServer(app, "127.0.0.1", self.settings.port)
        try:
            self._server.bind()
        except OSError as exc:
            raise DashboardSettingError(
                f"the dashboard cannot listen on 127.0.0.1:{self.settings.port} ({os.strerror(exc.errno) if exc.errno else exc}); "
                "choose another PYSPIRE_DASHBOARD_PORT, or unset it for a random port"
            ) from None
        app.listening_on(self._server.port)
        await self._server.start()
        self.app = app
        context.urls["dashboard"] = app.origin
        context.announce(f"Login: {self.login_url()}")

    async def stop(self) -> None:
        if self._forwarder is not None:
            self._forwarder.end_streams()
        try:
            if self._server is not None:
                await self._server.close()
        finally:
            if self._forwarder is not None:
                await self._forwarder.aclose()
            self.app = None


def dashboard_service(setup: AppHostSetup) -> DashboardService | None:
    """The factory registered in ``APP_HOST_SERVICES`` (None when ``PYSPIRE_DASHBOARD=0``)."""
    settings = DashboardSettings.from_settings(setup.settings)
    return DashboardService(setup, settings) if settings.enabled else None
