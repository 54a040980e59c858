"""The control API: how the CLI, the dashboard and kubectl see and drive a running app host."""

from pyspire.api.context import ApiContext, AppHostInfo
from pyspire.api.hosting import ApiEndpoint, ApiSettingError, serve_api

__all__ = ["ApiContext", "ApiEndpoint", "ApiSettingError", "AppHostInfo", "serve_api"]
