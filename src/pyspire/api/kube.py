"""Placeholder: the object API with Kubernetes conventions (being written)."""

from __future__ import annotations

import asyncio

from starlette.routing import BaseRoute

from pyspire.orchestrator.store import ObjectStore


def kube_routes(store: ObjectStore, closing: asyncio.Event) -> list[BaseRoute]:
    return []
