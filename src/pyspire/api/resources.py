"""Placeholder (being written)."""
from __future__ import annotations

from starlette.routing import BaseRoute

from pyspire.api.context import ApiContext


def resource_routes(context: ApiContext) -> list[BaseRoute]:
    return []
