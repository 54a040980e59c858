"""Placeholder (being written)."""
from __future__ import annotations

from starlette.routing import BaseRoute


def openapi_routes() -> list[BaseRoute]:
    return []
