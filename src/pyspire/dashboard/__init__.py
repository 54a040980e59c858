"""The dashboard: a web page served by the app host on loopback, a client of the control API
(resources, console logs) and of the telemetry read API behind it.

Importing this package registers the dashboard app host service. The page itself is built from
``dashboard-ui/`` into ``static/`` (committed: installing pyspire needs no Node). See
docs/dashboard.md.
"""

from __future__ import annotations

from pyspire.dashboard.service import dashboard_service
from pyspire.extensions import APP_HOST_SERVICES

APP_HOST_SERVICES.register(dashboard_service, "dashboard")

__all__ = ["dashboard_service"]
