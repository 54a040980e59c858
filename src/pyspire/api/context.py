"""What the control API's routes read and act on, gathered in one object."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from pyspire.executor import Executor
from pyspire.orchestrator import Orchestrator


@dataclass(frozen=True)
class AppHostInfo:
    """Who this app host is: shown by ``pyspire ps`` and ``GET /v1/info``."""

    name: str
    app_host: str
    app_dir: str
    pid: int
    run_id: str
    started_at: str
    version: str


@dataclass
class ApiContext:
    executor: Executor
    orchestrator: Orchestrator
    info: AppHostInfo
    #: Asks the app host to stop (what ``POST /v1/stop`` and ``pyspire stop`` do).
    request_stop: Callable[[], None]
    #: Set when the API is about to close: every open stream ends then.
    closing: asyncio.Event = field(default_factory=asyncio.Event)
    #: Where clients find things, filled in once the server listens (api, openapi, kubeconfig, socket).
    urls: dict[str, str] = field(default_factory=dict)
